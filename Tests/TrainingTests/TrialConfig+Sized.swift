import TrialContract
@testable import Training

extension TrialConfig {
    /// A sphere_teacher trial of the given sizes, no test set unless asked for,
    /// everything else at its default: the starting point of the core's tests.
    static func sized(dim: Int, nTrain: Int, nTest: Int = 0, width: Int, depth: Int = 1, steps: Int) -> TrialConfig {
        var c = TrialConfig()
        c.data = .sphereTeacher
        c.dim = dim
        c.nTrain = nTrain
        c.nTest = nTest
        c.width = width
        c.depth = depth
        c.steps = steps
        return c
    }
}
