import Foundation
import Store
import Sweep
import TestSupport
import Testing
import TrialContract

/// `oversweep report` on two fixed sweeps, compared with committed snapshots
/// (Tests/CLITests/Snapshots/*.md): one that is no reference experiment and one
/// whose spec says `experiment: E1`. The output is deterministic; after an
/// intended change, `OVERSWEEP_UPDATE_SNAPSHOTS=1 swift test --filter ReportSnapshotTests`
/// rewrites them (and the diff is reviewed like code).
@Suite struct ReportSnapshotTests {
    static let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    /// No reference experiment: optimizer × width × lr, batch_size only under sgd, alpha only under leaky.
    static let genericSpec = """
        name: generic-demo
        description: a sweep that is no reference experiment
        base:
          data: sphere_teacher
          dim: 8
          n_train: 64
          n_test: 64
          depth: 1
          loss: logistic
          steps: 100
          batch_size: 16
        grid:
          optimizer: [gd, sgd]
          width: [16, 64]
          lr: [0.1, 1.0]
          activation: [relu, leaky]
          when:
            - if: {activation: leaky}
              alpha: [-1, 0.5]
          seeds: 2
        """

    /// E1: α × bias, 2 seeds, with a tie (α = −1 and α = 0 equal without biases).
    static let referenceSpec = """
        name: e1-demo
        experiment: E1
        base:
          data: leaky_synthetic
          n_train: 64
          n_test: 64
          width: 16
          depth: 2
          activation: leaky
          loss: square
          lr: 0.01
          steps: 100
        grid:
          alpha: [-1, 0, 0.05]
          bias: [false, true]
          seeds: 2
        """

    /// Final errors as a fixed function of the config; lr = 1 with width 64 diverges at seed 1; one trial failed.
    static func genericRecord(_ t: Trial, _ i: Int) -> TrialRecord {
        var r = LiveSweepFixture.record(t, i)
        let c = t.config
        if c.lr == 1 && c.width == 64 && c.seed == 1 {
            r.result = TrainingResult(status: .diverged, message: "loss became inf at step 40",
                                      curves: [Metric.trainLoss.name: Curve(steps: [1, 10], values: [0.7, 3])], stepsRun: 40)
        } else if i == 5 {
            r.result = TrainingResult(status: .failed, message: "worker lost (attempt 3 of 3)")
        } else {
            let alpha = c.activation == .leaky ? c.alpha : 0
            let test = 0.3 - 0.001 * Double(c.width) + 0.02 * alpha + (c.optimizer == .sgd ? 0.01 : 0) + 0.005 * Double(c.seed)
            r.result.metrics[Metric.testError.name] = test
        }
        return r
    }

    static func referenceRecord(_ t: Trial, _ i: Int) -> TrialRecord {
        var r = LiveSweepFixture.record(t, i)
        let c = t.config
        // Without biases α = −1 and α = 0 tie; with biases α = −1 is best.
        let withBias: [Double: Double] = [-1: 0.02, 0: 0.12, 0.05: 0.13]
        let train = c.bias ? withBias[c.alpha] ?? 0 : c.alpha == 0.05 ? 0.3 : 0.25
        let value = train + 0.01 * Double(c.seed)
        let steps = [1, 10, 30, 100]
        r.result = TrainingResult(status: .ok, metrics: [Metric.trainNMSE.name: value, Metric.testNMSE.name: 2 * value],
                                  curves: [Metric.testNMSE.name: Curve(steps: steps, values: steps.map { 2 * value + 1 / Double($0) }),
                                           Metric.trainLoss.name: Curve(steps: steps, values: steps.map { value + 1 / Double($0) })],
                                  stepsRun: c.steps, timing: Timing(seconds: 1))
        return r
    }

    static func check(spec: String, snapshot: String, outcome: (Trial, Int) -> TrialRecord) throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-snapshot")
        defer { try? FileManager.default.removeItem(at: dir) }
        let results = dir.appendingPathComponent("results.jsonl").path
        var fixture = try LiveSweepFixture(yaml: spec, path: results)
        try fixture.append(fixture.plan.count, outcome: outcome)
        let out = dir.appendingPathComponent("report").path
        let r = try OversweepBinary.run(["report", results, "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        let md = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        let url = snapshots.appendingPathComponent(snapshot)
        if ProcessInfo.processInfo.environment["OVERSWEEP_UPDATE_SNAPSHOTS"] == "1" {
            try md.write(to: url, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        let (a, b) = (md.split(separator: "\n", omittingEmptySubsequences: false), expected.split(separator: "\n", omittingEmptySubsequences: false))
        let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }
        let line = (first?.offset ?? min(a.count, b.count)) + 1
        #expect(md == expected, "report.md differs from \(snapshot) at line \(line): got '\(first?.element.0 ?? "")', expected '\(first?.element.1 ?? "")'")
        // Every figure the markdown names was written.
        for line in md.split(separator: "\n") where line.hasPrefix("![") {
            let name = line[line.index(after: line.lastIndex(of: "(")!)..<line.lastIndex(of: ")")!]
            #expect(FileManager.default.fileExists(atPath: out + "/" + name), "\(name)")
        }
    }

    @Test func genericSweepReport() throws {
        try Self.check(spec: Self.genericSpec, snapshot: "generic-report.md", outcome: Self.genericRecord)
    }

    @Test func referenceSweepReport() throws {
        try Self.check(spec: Self.referenceSpec, snapshot: "e1-report.md", outcome: Self.referenceRecord)
    }

    /// `experiment:` takes E<n> or a list of them, refuses anything else with
    /// its line, and (like `name`) changes neither the trials nor the hash.
    @Test func experimentKeyIsCheckedAndLeavesTheHashAlone() throws {
        let plain = Self.referenceSpec.replacingOccurrences(of: "experiment: E1\n", with: "")
        let a = try SweepSpec.parse(yaml: Self.referenceSpec, path: "a.yaml"), b = try SweepSpec.parse(yaml: plain, path: "b.yaml")
        #expect(a.experiments == ["E1"] && b.experiments.isEmpty && a.hash == b.hash)
        let list = try SweepSpec.parse(yaml: Self.referenceSpec.replacingOccurrences(of: "experiment: E1", with: "experiment: [e1, E3]"), path: "c.yaml")
        #expect(list.experiments == ["E1", "E3"])
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.yaml").path
        try Self.referenceSpec.replacingOccurrences(of: "experiment: E1", with: "experiment: yes").write(toFile: bad, atomically: true, encoding: .utf8)
        let r = try OversweepBinary.run(["plan", bad])
        #expect(r.status != 0 && r.stderr.contains("bad.yaml:2") && r.stderr.contains("expected a reference experiment such as E1"), "\(r.stderr)")
    }

    /// Each shipped reference example names its experiment, so its report has the sections.
    @Test func examplesNameTheirExperiment() throws {
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples")
        let files = try FileManager.default.contentsOfDirectory(atPath: examples.path).filter { $0.hasPrefix("e") && $0.hasSuffix(".yaml") }
        #expect(files.count == 7)
        for file in files {
            let spec = try SweepSpec.load(path: examples.appendingPathComponent(file).path)
            let n = file.dropFirst().prefix { $0.isNumber }
            #expect(spec.experiments == ["E\(n)"], "\(file)")
        }
    }
}
