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

/// A spec whose trials train on a data file (`data: file`, a ReLU net with
/// logistic loss): `extraBase` adds lines to `base:` (indented two spaces),
/// `grid` gives the grid's lines.
public func fileDataSpecYAML(dataFile: String, extraBase: String = "", grid: String = "  width: [4, 8]\n  seeds: 2\n") -> String {
    """
    name: files
    base:
      data: file
      data_file: \(dataFile)
      width: 4
      depth: 1
      activation: relu
      loss: logistic
      lr: 0.1
      steps: 5
    \(extraBase)grid:
    \(grid)
    """
}
