import Numerics
import TrialContract

/// Where metrics land while a trial runs. Only finite values are kept, so a
/// `TrainingResult` always encodes as JSON.
struct MetricSink {
    var metrics: [String: Double] = [:]
    var curves: [String: Curve] = [:]

    mutating func set(_ name: String, _ value: Double) {
        if value.isFinite { metrics[name] = value }
    }

    mutating func append(_ name: String, step: Int, _ value: Double) {
        guard value.isFinite else { return }
        curves[name, default: Curve()].append(step: step, value: value)
    }

    mutating func set(_ metric: Metric, _ value: Double) { set(metric.name, value) }
    mutating func append(_ metric: Metric, step: Int, _ value: Double) { append(metric.name, step: step, value) }
    /// Curve point and final value at once.
    mutating func put(_ name: String, step: Int, _ value: Double) {
        append(name, step: step, value)
        set(name, value)
    }
    mutating func put(_ metric: Metric, step: Int, _ value: Double) { put(metric.name, step: step, value) }
}

/// A metric beyond the basic ones the training loop records itself (loss,
/// error/NMSE, surrogate error, gradient norm, distance from init). Probes are
/// how the expensive docs/science.md §6 metrics plug in behind `metrics: full`:
/// add a type here and list it in `MetricProbes.make(for:)`. A probe reads the
/// run (network weights, data, buffers) but must not change the weights; it
/// may overwrite the network's activation buffers (the loop recomputes them).
/// Its cost is timed apart (Timing.metricSeconds).
protocol MetricProbe {
    /// Before the first step, at the initial weights.
    mutating func atInit<T: BLASScalar>(_ run: TrialRun<T>, _ sink: inout MetricSink)
    /// At each step of the recording schedule (after the step's basic metrics).
    mutating func atRecord<T: BLASScalar>(_ run: TrialRun<T>, step: Int, _ sink: inout MetricSink)
    /// After the last step (or at divergence).
    mutating func atEnd<T: BLASScalar>(_ run: TrialRun<T>, _ sink: inout MetricSink)
}

extension MetricProbe {
    mutating func atInit<T: BLASScalar>(_ run: TrialRun<T>, _ sink: inout MetricSink) {}
    mutating func atRecord<T: BLASScalar>(_ run: TrialRun<T>, step: Int, _ sink: inout MetricSink) {}
    mutating func atEnd<T: BLASScalar>(_ run: TrialRun<T>, _ sink: inout MetricSink) {}
}

enum MetricProbes {
    /// The probes a config asks for.
    static func make(for config: TrialConfig) -> [any MetricProbe] {
        switch config.metrics {
        case .basic: return [BasicScienceProbe()]
        case .full:
            return [BasicScienceProbe(), NTKSpectrumProbe(), DataSeparationProbe(), SpectralNormProbe(), ActivationFlipProbe()]
        }
    }
}

/// Steps at which curves are sampled: 0, then ≈10 per decade (1, 2, …, 8, 10,
/// 13, 16, 20, 25, 32, 40, 50, 63, 79, 100, …), the config's named steps, and
/// the last step.
enum RecordSchedule {
    static func steps(total: Int, named: [Int]) -> Set<Int> {
        var s: Set<Int> = [0, total]
        var i = 0
        while true {
            let v = Int(Double.exp10(Double(i) / 10).rounded())
            if v > total { break }
            s.insert(v)
            i += 1
        }
        for n in named where n <= total { s.insert(n) }
        return s
    }
}

