import TrialContract
/// A named array for export: the starting point of a trial in numpy-ready form.
public struct NamedArray: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    /// C-order values, already rounded to the trial's dtype.
    public var values: [Double]
}

/// One weight layer of the initial network, as exported.
public struct ExportedLayer: Sendable, Equatable {
    public var name: String
    /// [rows (outputs), cols (inputs)]: the layer computes W·h (+ b).
    public var shape: [Int]
    public var trains: Bool
    /// h_l = h_{l−1} + θ·φ(W_l h_{l−1} + b_l) instead of φ(W_l h_{l−1} + b_l).
    public var residual: Bool
    public var weights: NamedArray
    public var bias: NamedArray?
}

/// Everything needed to re-run a trial elsewhere from the same start: the
/// generated (or loaded) train/test data after normalisation and the initial
/// weights of every layer, exactly as the trainer sees them.
public struct InitialState: Sendable {
    public var xTrain: NamedArray
    public var yTrain: NamedArray
    public var xTest: NamedArray
    public var yTest: NamedArray
    /// Input side first: [embedding], hidden1 … hiddenL, output.
    public var layers: [ExportedLayer]

    /// Builds the data and the initial network of `config` (validated first).
    public static func make(for config: TrialConfig) throws -> InitialState {
        try config.validate()
        let split = try DataSplit.make(for: config)
        switch config.dtype {
        case .float32: return try make(Float.self, config, split)
        case .float64: return try make(Double.self, config, split)
        }
    }

    private static func make<T: BLASScalar>(_: T.Type, _ config: TrialConfig, _ split: DataSplit) throws -> InitialState {
        let net = try Network<T>(config: config, inputDim: split.train.dim, capacity: 1)
        func rounded(_ v: [Double]) -> [Double] { v.map { Double(T($0)) } }
        func data(_ d: Dataset, _ suffix: String) -> (NamedArray, NamedArray) {
            (NamedArray(name: "x_" + suffix, shape: [d.count, d.dim], values: rounded(d.x)),
             NamedArray(name: "y_" + suffix, shape: [d.count], values: d.y))
        }
        let (xTrain, yTrain) = data(split.train, "train")
        let (xTest, yTest) = data(split.test, "test")
        var layers = [ExportedLayer]()
        for layer in net.layers {
            let index = net.hidden.firstIndex { $0 === layer }
            layers.append(ExportedLayer(
                name: layer.name, shape: [layer.rows, layer.cols], trains: layer.trains,
                residual: index.map { net.residual[$0] } ?? false,
                weights: NamedArray(name: layer.name + "_w", shape: [layer.rows, layer.cols], values: layer.w.array.map(Double.init)),
                bias: layer.b.map { NamedArray(name: layer.name + "_b", shape: [layer.rows], values: $0.array.map(Double.init)) }))
        }
        return InitialState(xTrain: xTrain, yTrain: yTrain, xTest: xTest, yTest: yTest, layers: layers)
    }
}
