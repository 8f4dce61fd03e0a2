import Foundation
import Store
import Sweep
import TestSupport
import TrialContract

/// A sweep's result file written by the test as a coordinator would write it:
/// a header carrying the spec (so the report and the watchers know the plan
/// and the `experiment:`), then one line per trial of the plan, on demand.
/// Every number is a function of the trial's config: same spec, same bytes.
struct LiveSweepFixture {
    let path: String
    let plan: [Trial]
    let spec: SweepSpec
    private(set) var written = 0

    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// Writes the header only.
    init(yaml: String, path: String) throws {
        self.path = path
        spec = try SweepSpec.parse(yaml: yaml, path: "fixture.yaml")
        plan = Array(try SweepPlan(spec: spec).trials())
        let header = StoreHeader(sweepName: spec.name, spec: yaml, specHash: spec.hash, toolVersion: "test",
                                 createdAt: Self.t0)
        try Data(LineCodec.encode(header)).write(to: URL(fileURLWithPath: path))
    }

    /// Appends the next `count` trials of the plan (with `outcome` deciding each one's record).
    mutating func append(_ count: Int, outcome: (Trial, Int) -> TrialRecord = LiveSweepFixture.record) throws {
        var bytes: [UInt8] = []
        for i in written..<min(plan.count, written + count) {
            bytes += try LineCodec.encode(outcome(plan[i], i))
        }
        written = min(plan.count, written + count)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? h.close() }
        try h.seekToEnd()
        try h.write(contentsOf: Data(bytes))
    }

    /// An ok trial with a train_loss curve and final errors that fall with width and rise with lr.
    static func record(_ t: Trial, _ i: Int) -> TrialRecord {
        let c = t.config
        let level = 0.05 + 2 / Double(max(1, c.width)) + 0.1 * c.lr + 0.01 * Double(c.seed)
        let steps = [1, 10, 100]
        let loss = Curve(steps: steps, values: steps.map { level + 1 / Double($0) })
        let result = TrainingResult(status: .ok, metrics: [Metric.trainLoss.name: level, Metric.testError.name: 2 * level,
                                                           Metric.trainError.name: 0],
                                    curves: [Metric.trainLoss.name: loss], stepsRun: c.steps, timing: Timing(seconds: 1.5))
        return TrialRecord(id: t.id, sweep: t.sweep, config: c, result: result, worker: "worker-\(i % 2)", host: "host-\(i % 2)",
                           attempt: 1, startedAt: t0.addingTimeInterval(Double(i)), endedAt: t0.addingTimeInterval(Double(i) + 1.5))
    }

    /// A small spec: width × lr × 2 seeds (8 trials).
    static let smallSpec = """
        name: live-demo
        \(baseYAML)
        grid:
          width: [16, 64]
          lr: [0.1, 0.5]
          seeds: 2
        """
}

/// The small sweep's result file with its first `lines` trials, and
/// `oversweep report --watch` following it into `out`; `close()` stops the
/// watcher if it still runs and removes the directory.
struct WatchedSweep {
    let dir: URL
    let out: URL
    var fixture: LiveSweepFixture
    let watch: BackgroundProcess

    init(lines: Int, interval: String = "0.2") throws {
        dir = try TestFiles.temporaryDirectory("oversweep-watch")
        out = dir.appendingPathComponent("live")
        let results = dir.appendingPathComponent("results.jsonl").path
        fixture = try LiveSweepFixture(yaml: LiveSweepFixture.smallSpec, path: results)
        try fixture.append(lines)
        watch = try BackgroundProcess(OversweepBinary.url, ["report", results, "-o", out.path, "--watch", "--interval", interval],
                                      logs: dir, name: "watch")
    }

    func close() {
        watch.stop()
        try? FileManager.default.removeItem(at: dir)
    }
}
