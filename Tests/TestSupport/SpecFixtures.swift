/// The `base:` block of a small valid sweep spec (a ReLU net with logistic
/// loss on sphere_teacher data), for tests that write specs around it.
public let baseYAML = """
    base:
      data: sphere_teacher
      depth: 2
      width: 32
      activation: relu
      loss: logistic
      lr: 0.1
      steps: 10
    """
