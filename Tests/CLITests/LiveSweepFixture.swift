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

/// A process started in the background, its output going to files.
final class BackgroundProcess {
    let process = Process()
    let stdoutURL: URL, stderrURL: URL

    init(_ executable: URL, _ arguments: [String], logs dir: URL, name: String) throws {
        stdoutURL = dir.appendingPathComponent("\(name).stdout")
        stderrURL = dir.appendingPathComponent("\(name).stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
    }

    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// Waits for the process to exit by itself; false if it is still running at the deadline.
    func waitForExit(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return !process.isRunning
    }

    /// Stops it if it still runs (a failed test must not leave it behind).
    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}

/// Polls `condition` every 50 ms until it holds or `seconds` pass.
func eventually(within seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(50_000)
    }
    return try condition()
}
