import Foundation

/// How much memory a trial needs, as overflow-checked integers, so a config
/// too large to train is refused with one line before anything is allocated
/// (a `width` of 3037000500 squares past `Int.max`; an `n_train` of 10¹¹
/// asks for terabytes). A coarse upper bound of what the trainer allocates:
/// every buffer counted at 8 bytes, whatever the dtype.
///
/// Pure: depends only on the config's fields; `validate()` calls `check`
/// first (before anything that allocates per layer).
public enum SizeLimits {
    /// The most memory one trial may need: 64 GiB. The tool trains small
    /// networks (a shard's default memory bound is 1 GiB); this bound only
    /// keeps absurd sizes away from the allocator.
    public static let maxTrialBytes = 64 << 30

    /// Bookkeeping per layer (objects, array headers), beyond its numbers.
    static let bytesPerLayer = 4096

    /// The parts of a trial's memory in bytes; nil where a count overflows `Int`.
    public struct Footprint: Sendable, Equatable {
        /// Weights with their initial copies, gradients and velocities (width, depth, dim, outputs).
        public var weights: Int?
        /// Activations and their gradients for one batch (n_train or batch_size, width, depth).
        public var activations: Int?
        /// The data set and its copies (n_train, n_test, dim).
        public var data: Int?
        /// `metrics: full`: per-sample activation patterns and the NTK Gram matrix.
        public var metrics: Int?

        public var total: Int? { Checked.sum(weights, activations, data, metrics) }
    }

    /// What a trial's size is checked against.
    public enum Limit: Sendable {
        /// `maxTrialBytes`, the same on every machine (plan time, validation).
        case perTrial
        /// The smaller of `maxTrialBytes` and this machine's physical memory (train time).
        case thisMachine

        public var bytes: Int {
            switch self {
            case .perTrial: return maxTrialBytes
            case .thisMachine: return min(maxTrialBytes, Int(clamping: ProcessInfo.processInfo.physicalMemory))
            }
        }

        var phrase: String {
            switch self {
            case .perTrial: return "the \(gib(maxTrialBytes)) GiB one trial may use"
            case .thisMachine: return "the \(gib(bytes)) GiB this machine can give one trial"
            }
        }
    }

    public static func footprint(_ c: TrialConfig) -> Footprint {
        // Negative sizes count as 0 here; validate() names them.
        let m = max(c.width, 0), depth = max(c.depth, 0), k = max(c.outputs, 0)
        let n = max(c.nTrain, 0), nTest = max(c.nTest, 0)
        let d = Checked.sum(max(c.generatorDim, 0), c.biasCoordinate == nil ? 0 : 1)
        let fixedInput = c.inputLayer == .fixed
        let squareLayers = fixedInput ? depth : max(depth - 1, 0)
        let biases = c.bias ? Checked.sum(Checked.product(m, depth), k) : 0
        let parameters = Checked.sum(Checked.product(m, d), Checked.product(squareLayers, m, m), Checked.product(k, m), biases)
        // Weights, initial copy, gradient, velocity; plus each layer's bookkeeping.
        let weights = Checked.sum(Checked.product(parameters, 4 * 8), Checked.product(Checked.sum(depth, 2), bytesPerLayer))
        let rows = c.optimizer == .sgd ? min(max(c.batchSize, 0), n) : n
        // z and h per hidden layer, outputs and their gradients, backprop deltas.
        let activations = Checked.product(rows, Checked.sum(Checked.product(2, depth, m), m, Checked.product(2, k)), 8)
        // Raw rows, normalised rows, train/test copies, and the run's input (A·x under a fixed embedding).
        let samples = Checked.sum(n, nTest)
        let perSample = Checked.sum(Checked.product(3, Checked.sum(d, 1)), fixedInput ? m : d)
        let data = Checked.sum(Checked.product(samples, perSample, 8), Checked.product(max(c.clusters, 0), d, 8))
        var metrics: Int? = 0
        if c.metrics == .full {
            let ntk = min(n, 2048)  // NTKSpectrumProbe.maxSamples
            metrics = Checked.sum(Checked.product(n, m, Checked.sum(depth, 1), 2 * 8), Checked.product(ntk, ntk, 3 * 8))
        }
        return Footprint(weights: weights, activations: activations, data: data, metrics: metrics)
    }

    /// Throws a `ConfigError` naming the part of the config that makes the
    /// trial larger than `limit`.
    public static func check(_ c: TrialConfig, limit: Limit = .perTrial) throws(ConfigError) {
        let f = footprint(c)
        if let total = f.total, total <= limit.bytes { return }
        let parts: [(bytes: Int?, what: String)] = [
            (f.weights, "its weights (width \(c.width), depth \(c.depth), dim \(c.dim), outputs \(c.outputs))"),
            (f.activations, "its activations (width \(c.width) × depth \(c.depth) × \(c.optimizer == .sgd ? "batch_size \(c.batchSize)" : "n_train \(c.nTrain)"))"),
            (f.data, "its data (n_train \(c.nTrain) + n_test \(c.nTest) samples of dim \(c.dim))"),
            (f.metrics, "metrics: full (n_train \(c.nTrain) × width \(c.width) × depth \(c.depth))"),
        ]
        // The part to blame: one that overflows, else the largest.
        let worst = parts.first { $0.bytes == nil } ?? parts.max { ($0.bytes ?? 0) < ($1.bytes ?? 0) }!
        let amount = worst.bytes.map { "about \(gib($0)) GiB, more than \(limit.phrase)" }
            ?? "more bytes than a 64-bit count holds (the limit is \(limit.phrase))"
        throw ConfigError("too large to train: \(worst.what) need \(amount)")
    }

    /// Whole GiB, rounded up, for messages.
    public static func gib(_ bytes: Int) -> String { String(bytes / (1 << 30) + (bytes % (1 << 30) == 0 ? 0 : 1)) }
}

/// Products and sums that say nil instead of overflowing (nil in, nil out).
/// Fixed arities rather than arrays: the planner sizes every trial of a
/// sweep, and an array per product was most of `plan`'s time.
public enum Checked {
    public static func product(_ a: Int?, _ b: Int?) -> Int? {
        guard let a, let b else { return nil }
        let (p, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : p
    }
    public static func product(_ a: Int?, _ b: Int?, _ c: Int?) -> Int? { product(product(a, b), c) }
    public static func product(_ a: Int?, _ b: Int?, _ c: Int?, _ d: Int?) -> Int? { product(product(a, b, c), d) }
    /// The product of all of them (1 for none).
    public static func product(_ factors: [Int]) -> Int? {
        var result: Int? = 1
        for f in factors { result = product(result, f) }
        return result
    }

    public static func sum(_ a: Int?, _ b: Int?) -> Int? {
        guard let a, let b else { return nil }
        let (s, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : s
    }
    public static func sum(_ a: Int?, _ b: Int?, _ c: Int?) -> Int? { sum(sum(a, b), c) }
    public static func sum(_ a: Int?, _ b: Int?, _ c: Int?, _ d: Int?) -> Int? { sum(sum(a, b, c), d) }
}
