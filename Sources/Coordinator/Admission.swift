import Foundation
import Sweep
import TrialContract
import Wire

/// What the coordinator accepts from a peer, as pure checks: each returns nil
/// when the input is acceptable, or the reason (for one log line) when not.
/// A peer is whoever reaches the port (or holds an allowed CURVE key), so
/// every size and name it sends is bounded here before anything keeps it.
enum Admission {
    /// Longest trial id: a SHA-256 in hex is 64 characters.
    static let maxTrialIDBytes = 64
    static let maxNameBytes = 255
    /// Longest `message` of a failed or diverged result.
    static let maxResultMessageBytes = 16 << 10
    /// Dates a result may carry (1970 … 2286), seconds since 1970.
    static let dates = 0.0...1e10

    static func hello(_ h: Hello, maxJobs: Int) -> String? {
        for (field, value) in [("name", h.name), ("host", h.host), ("build", h.build), ("blas", h.blas ?? "")]
        where value.utf8.count > maxNameBytes {
            return "hello with a \(field) of \(value.utf8.count) bytes (at most \(maxNameBytes))"
        }
        if h.name.isEmpty { return "hello without a worker name" }
        guard (1...maxJobs).contains(h.jobs) else { return "hello declares \(h.jobs) jobs (1…\(maxJobs))" }
        if let t = h.threads, !(1...maxJobs).contains(t) { return "hello declares \(t) threads per job (1…\(maxJobs))" }
        guard (0...1 << 20).contains(h.cores) else { return "hello declares \(h.cores) cores" }
        return nil
    }

    /// A trial id a result may name at all (before looking it up).
    static func trialID(_ id: TrialID) -> String? {
        let n = id.rawValue.utf8.count
        if n == 0 || n > maxTrialIDBytes { return "a trial id of \(n) bytes (at most \(maxTrialIDBytes))" }
        return nil
    }

    /// A result for `planned`, a trial leased to its sender: the same trial
    /// (sweep name from the plan, config hashing to the id), and every field
    /// within what a run of that config can produce.
    static func report(_ r: TrialResultReport, planned: Trial) -> String? {
        if r.sweep != planned.sweep {
            return "sub-sweep '\(LogText.clean(r.sweep))' is not the trial's ('\(LogText.clean(planned.sweep))')"
        }
        if let c = r.config, TrialID(config: c) != planned.id {
            return "its config is not the config of trial \(planned.id.short)"
        }
        return result(r.result, config: planned.config) ?? dates(r)
    }

    static func dates(_ r: TrialResultReport) -> String? {
        let s = r.startedAt.timeIntervalSince1970, e = r.endedAt.timeIntervalSince1970
        guard dates.contains(s), dates.contains(e) else { return "start or end time out of range" }
        return nil
    }

    static func result(_ r: TrainingResult, config c: TrialConfig) -> String? {
        guard (0...max(0, c.steps)).contains(r.stepsRun) else { return "steps_run \(r.stepsRun) outside 0…\(c.steps)" }
        if let m = r.message, m.utf8.count > maxResultMessageBytes {
            return "a message of \(m.utf8.count) bytes (at most \(maxResultMessageBytes))"
        }
        for (name, v) in [("timing.seconds", r.timing.seconds), ("timing.metric_seconds", r.timing.metricSeconds)]
        where !(v.isFinite && v >= 0 && v <= 1e9) {
            return "\(name) is not a duration"
        }
        let names = maxNames(c)
        guard r.metrics.count <= names, r.curves.count <= names else {
            return "\(r.metrics.count) metrics and \(r.curves.count) curves (at most \(names) each for depth \(c.depth))"
        }
        for (name, v) in r.metrics {
            if let why = metricName(name, depth: c.depth) { return why }
            if !v.isFinite { return "metric \(name) is not finite" }
        }
        for (name, curve) in r.curves {
            if let why = metricName(name, depth: c.depth) { return why }
            if let why = self.curve(curve, steps: c.steps) { return "curve \(name): \(why)" }
        }
        return nil
    }

    /// Metric and curve names the core can write for a network of `depth` hidden layers.
    static func metricName(_ name: String, depth: Int) -> String? {
        guard Metric.isKnown(name) else { return "unknown metric name '\(LogText.clean(name))'" }
        if let (_, layer) = LayerMetric.parse(name), layer.hasPrefix("hidden"), let i = Int(layer.dropFirst(6)), i > depth {
            return "metric \(name) names a layer beyond depth \(depth)"
        }
        return nil
    }

    /// At most every step once, in order, within the run; values finite.
    static func curve(_ c: Curve, steps: Int) -> String? {
        guard c.steps.count == c.values.count else { return "\(c.steps.count) steps but \(c.values.count) values" }
        guard c.steps.count <= steps + 1 else { return "\(c.steps.count) points for \(steps) steps" }
        var previous = -1
        for s in c.steps {
            guard s > previous, s <= steps else { return "steps not increasing within 0…\(steps)" }
            previous = s
        }
        guard c.values.allSatisfy(\.isFinite) else { return "a value that is not finite" }
        return nil
    }

    /// Names of metrics (or of curves) a config can produce: every fixed one,
    /// and every per-layer one for each hidden layer, the embedding and the output.
    static func maxNames(_ c: TrialConfig) -> Int {
        Metric.allCases.count + LayerMetric.allCases.count * (max(c.depth, 0) + 2)
    }
}
