import TrialContract

/// A rough cost model of one trial, used to size shards and to print an
/// estimate before a sweep starts. It counts the GEMM work of training (the
/// part that dominates) and the memory a trial holds while it trains.
public struct TrialCost: Sendable, Equatable {
    /// Floating-point operations for the whole trial.
    public var flops: Double
    /// Bytes held while training (weights, their initial copy, gradients,
    /// optimiser state, activations, data).
    public var bytes: Double

    public init(flops: Double, bytes: Double) {
        self.flops = flops
        self.bytes = bytes
    }

    /// Estimate for a config. Per sample and step: forward 2P, backward 4P
    /// multiply-adds-as-FLOPs (weight and input gradients) for P weights;
    /// batch n_train under GD, batch_size under SGD. Curves evaluate train
    /// and test loss at ~40 log-spaced steps plus the named ones; `metrics:
    /// full` adds the NTK Gram matrix at init (n²·m·L).
    ///
    /// For `data: file`, `data` gives the file's rows and columns: the file
    /// decides the input dimension (columns − 1) and the train/test split
    /// (`test_fraction`), not `dim`, `n_train` and `n_test`.
    public init(config c: TrialConfig, data: (rows: Int, columns: Int)? = nil) {
        var inputDim = c.generatorDim
        var nTrain = Double(max(c.nTrain, 1))
        var nTest = Double(max(c.nTest, 0))
        if let data, c.data == .file {
            inputDim = max(data.columns - 1, 1)
            let train = max(1, Int((Double(data.rows) * (1 - c.testFraction)).rounded(.up)))
            nTrain = Double(train)
            nTest = Double(max(data.rows - train, 0))
        }
        let d = Double(inputDim + (c.biasCoordinate == nil ? 0 : 1))
        let m = Double(c.width)
        let k = Double(c.outputs)
        let hiddenSquare = Double(c.inputLayer == .fixed ? c.depth : max(c.depth - 1, 0))
        let weights = m * d + hiddenSquare * m * m + k * m
        let biases = c.bias ? m * Double(c.depth) + k : 0
        let params = weights + biases
        let batch = c.optimizer == .sgd ? min(Double(max(c.batchSize, 1)), nTrain) : nTrain
        let steps = Double(max(c.steps, 0))
        let evaluations = 40 + Double(c.namedSteps.count)
        var flops = 6 * params * batch * steps + 2 * params * (nTrain + nTest) * evaluations
        if c.metrics == .full { flops += 2 * nTrain * nTrain * m * Double(c.depth + 1) }
        let scalar: Double = c.dtype == .float32 ? 4 : 8
        let optimiserCopies: Double = c.momentum > 0 ? 4 : 3  // W, W(0), ∇W (+ velocity)
        let layers = Double(c.depth + 1)
        var bytes = scalar * (params * optimiserCopies + 3 * batch * m * layers + (nTrain + nTest) * (d + k))
        if c.metrics == .full { bytes += 8 * nTrain * nTrain }
        self.init(flops: flops, bytes: bytes)
    }
}
