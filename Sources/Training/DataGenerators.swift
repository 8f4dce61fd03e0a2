import Numerics
import TrialContract

// docs/science.md §5 generators. Each draws from its own named streams of the
// trial seed (see Random.swift): "data/teacher" (teacher direction or cluster
// centres), "data/train", "data/test", "data/flip" (label noise), so the test
// set does not depend on n_train and the first n train points do not depend
// on how many follow.

extension DataSplit {
    /// Generates (or, for `data: file`, reads) the trial's data. Throws
    /// `TrainingError` (.invalidData / .io) naming the problem.
    public static func make(for config: TrialConfig) throws -> DataSplit {
        var split: DataSplit
        switch config.data {
        case .sphereTeacher: split = try sphereTeacher(config)
        case .separated: split = try separated(config)
        case .leakySynthetic, .azlSincos, .azlTanh: split = regression(config)
        case .file: split = try DataFile.load(config)
        }
        if let mu = config.biasCoordinate {
            split.train = split.train.appendingConstant(mu)
            split.test = split.test.appendingConstant(mu)
        }
        if !split.isRegression && config.loss != .crossEntropy {
            applyLabelFlip(&split.train, config)
        }
        return split
    }

    /// Flips each training label (±1) with probability `label_flip`.
    static func applyLabelFlip(_ d: inout Dataset, _ config: TrialConfig) {
        guard config.labelFlip > 0 else { return }
        var rng = RandomStream(seed: config.seed, purpose: "data/flip")
        for i in 0..<d.count where rng.uniform() < config.labelFlip { d.y[i] = -d.y[i] }
    }

    /// A point uniform on S^{d−1}: a normalised standard Gaussian.
    static func spherePoint(_ d: Int, _ rng: inout RandomStream) -> [Double] {
        while true {
            var g = (0..<d).map { _ in rng.gaussian() }
            let norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 0 {
                for j in 0..<d { g[j] /= norm }
                return g
            }
        }
    }

    /// Class label of a binary ±1 label under the config's loss (cross-entropy: 0/1).
    static func label(_ sign: Double, _ config: TrialConfig) -> Double {
        config.loss == .crossEntropy ? (sign > 0 ? 1 : 0) : sign
    }

    static func sphereTeacher(_ config: TrialConfig) throws -> DataSplit {
        let d = config.generatorDim
        var teacherRNG = RandomStream(seed: config.seed, purpose: "data/teacher")
        let beta = spherePoint(d, &teacherRNG)
        func draw(_ n: Int, _ purpose: String) throws -> Dataset {
            var rng = RandomStream(seed: config.seed, purpose: purpose)
            var x = [Double](), y = [Double]()
            x.reserveCapacity(n * d)
            var attempts = 0
            while y.count < n {
                attempts += 1
                if attempts > 1000 * n + 10_000 {
                    throw TrainingError(.invalidData,
                        "sphere_teacher: margin \(config.margin) is too large for dim \(d) (fewer than 1 in 1000 points qualify)")
                }
                let p = spherePoint(d, &rng)
                var dot = 0.0
                for j in 0..<d { dot += beta[j] * p[j] }
                guard abs(dot) >= config.margin else { continue }
                x.append(contentsOf: p)
                y.append(label(dot >= 0 ? 1 : -1, config))
            }
            return Dataset(x: x, y: y, dim: d)
        }
        return DataSplit(train: try draw(config.nTrain, "data/train"), test: try draw(config.nTest, "data/test"),
                         isRegression: false)
    }

    /// `clusters` centres uniform on the sphere; cluster c has label ±1
    /// alternating (or class c mod k for cross-entropy); a point is its centre
    /// plus N(0, 0.25/d · I) noise, renormalised, and is kept only if it is at
    /// least `separation` from every kept point of another label (train and
    /// test together), so the separation holds exactly over the whole set.
    static func separated(_ config: TrialConfig) throws -> DataSplit {
        let d = config.generatorDim, k = config.clusters
        var teacherRNG = RandomStream(seed: config.seed, purpose: "data/teacher")
        let centres = (0..<k).map { _ in spherePoint(d, &teacherRNG) }
        let spread = 0.5 / Double(d).squareRoot()
        func clusterLabel(_ c: Int) -> Double {
            config.loss == .crossEntropy ? Double(c % config.outputs) : (c % 2 == 0 ? 1 : -1)
        }
        var kept = [(point: [Double], label: Double)]()
        let minSq = config.separation * config.separation
        func draw(_ n: Int, _ purpose: String) throws -> Dataset {
            var rng = RandomStream(seed: config.seed, purpose: purpose)
            var x = [Double](), y = [Double]()
            var attempts = 0
            while y.count < n {
                attempts += 1
                if attempts > 1000 * n + 10_000 {
                    throw TrainingError(.invalidData,
                        "separated: cannot place points \(config.separation) apart across labels with \(k) clusters in dim \(d); lower separation")
                }
                let c = rng.below(k)
                var p = (0..<d).map { centres[c][$0] + spread * rng.gaussian() }
                let norm = p.reduce(0) { $0 + $1 * $1 }.squareRoot()
                guard norm > 0 else { continue }
                for j in 0..<d { p[j] /= norm }
                let l = clusterLabel(c)
                let tooClose = kept.contains { other in
                    guard other.label != l else { return false }
                    var s = 0.0
                    for j in 0..<d { let t = other.point[j] - p[j]; s += t * t }
                    return s < minSq
                }
                if tooClose { continue }
                kept.append((p, l))
                x.append(contentsOf: p)
                y.append(l)
            }
            return Dataset(x: x, y: y, dim: d)
        }
        let train = try draw(config.nTrain, "data/train")
        let test = try draw(config.nTest, "data/test")
        return DataSplit(train: train, test: test, isRegression: false)
    }

    /// leaky_synthetic ([GLL24] §5.1) and azl_sincos / azl_tanh ([AZL19])
    /// targets on the sphere, plus N(0, noise_std²) on every label.
    static func regression(_ config: TrialConfig) -> DataSplit {
        let d = config.generatorDim
        let noise = config.noiseStd ?? (config.data == .leakySynthetic ? 0.1 : 0)
        func target(_ x: [Double]) -> Double {
            switch config.data {
            case .leakySynthetic:
                let relu = max(0, 0.05 + x[4])
                return Double.sin(10 * x[0] + 20 * x[1] * x[1] * x[1]) + Double.cos(3 * x[2] + 5 * x[3] * x[3])
                    + 2 / (1 + relu).squareRoot() + 2 * x[0] * x[4]
            case .azlSincos:
                let s = Double.sin(3 * x[0]) + Double.sin(3 * x[1]) + Double.sin(3 * x[2]) - 2
                return s * s * Double.cos(7 * x[3])
            default:
                let s = Double.tanh(8 * x[0]) + Double.tanh(8 * x[1]) + Double.tanh(8 * x[2]) - 2
                return s * s * Double.tanh(8 * x[3])
            }
        }
        func draw(_ n: Int, _ purpose: String) -> Dataset {
            var rng = RandomStream(seed: config.seed, purpose: purpose)
            var noiseRNG = RandomStream(seed: config.seed, purpose: purpose + "/noise")
            var x = [Double](), y = [Double]()
            x.reserveCapacity(n * d)
            for _ in 0..<n {
                let p = spherePoint(d, &rng)
                x.append(contentsOf: p)
                y.append(target(p) + (noise > 0 ? noise * noiseRNG.gaussian() : 0))
            }
            return Dataset(x: x, y: y, dim: d)
        }
        return DataSplit(train: draw(config.nTrain, "data/train"), test: draw(config.nTest, "data/test"), isRegression: true)
    }
}
