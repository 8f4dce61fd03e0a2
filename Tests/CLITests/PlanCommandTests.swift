import Foundation
import Sweep
import TestSupport
import Testing
import TrialContract

@Suite struct PlanCommandTests {
    static let spec = """
        name: two-process check
        settings: {shard_seconds: 0.02}

        """ + baseYAML + """

        grid:
          width: [16, 64]
          activation: [relu, leaky]
          lr: {logspace: [0.01, 1, 3]}
          seeds: 3
          when:
            - if: {activation: leaky}
              alpha: [-1, 0.5]
        sweeps:
          A: {}
          B:
            base: {depth: 3}
        """

    func write(_ text: String, in dir: URL, name: String = "spec.yaml") throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Two separate processes list the same trials, ids and shards, and both
    /// agree with the expansion done in this process.
    @Test func expansionIsTheSameInEveryProcess() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try write(Self.spec, in: dir)
        let first = try OversweepBinary.run(["plan", path, "--list"])
        let second = try OversweepBinary.run(["plan", path, "--list"])
        #expect(first.status == 0 && second.status == 0, "\(first.stderr)")
        #expect(first.stdout == second.stdout)

        let plan = try SweepPlan(spec: SweepSpec.load(path: path))
        var expected: [String] = []
        for s in 0..<plan.shardCount {
            for i in plan.shardRange(at: s) {
                let t = plan.trial(at: i)
                let values = plan.axisValues(at: i).map { "\($0.field)=\($0.value)" }.joined(separator: " ")
                expected.append("\(i) \(t.id.short) shard=\(s) \(t.sweep) \(values)")
            }
        }
        let listed = first.stdout.split(separator: "\n").map(String.init).filter { $0.first?.isNumber == true }
        #expect(listed == expected)
        #expect(plan.trialCount == 2 * (2 + 4) * 3 * 3)
        #expect(first.stdout.contains("trials  \(plan.trialCount)  (A \(plan.trialCount / 2), B \(plan.trialCount / 2))\n"))
        #expect(first.stdout.contains("shards  \(plan.shardCount) "))
        #expect(first.stdout.contains("alpha") && first.stdout.contains("when activation = leaky"))
    }

    @Test func badSpecsGetOneLineWithFileAndLine() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [(String, String)] = [
            (Self.spec.replacingOccurrences(of: "  width: [16, 64]", with: "  widht: [16, 64]"),
             ":12: grid.widht: unknown config key 'widht' (did you mean 'width'?)"),
            (Self.spec.replacingOccurrences(of: "  seeds: 3", with: "  zip: {depth: [1, 2], steps: [5]}"),
             ": grid.zip: zip lengths differ: depth has 2, steps has 1"),
            (Self.spec.replacingOccurrences(of: "  lr: {logspace: [0.01, 1, 3]}", with: "  lr: [0.1, 0.2"),
             "malformed YAML"),
            (Self.spec.replacingOccurrences(of: "  width: [16, 64]", with: "  width: []"), ":12: grid.width: empty axis"),
        ]
        for (i, (text, fragment)) in cases.enumerated() {
            let path = try write(text, in: dir, name: "bad\(i).yaml")
            let r = try OversweepBinary.run(["plan", path])
            #expect(r.status != 0)
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(r.stderr)")
            #expect(r.stderr.hasPrefix("Error: \(path):") && r.stderr.contains(fragment), "\(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
        let missing = try OversweepBinary.run(["plan", dir.appendingPathComponent("nope.yaml").path])
        #expect(missing.status != 0 && missing.stderr.contains("cannot read the spec"))
    }

    /// A changed interface shows up as a diff of this snapshot.
    @Test func helpMatchesTheSnapshot() throws {
        let r = try OversweepBinary.run(["plan", "--help"])
        let snapshot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Snapshots/plan-help.txt")
        #expect(r.status == 0)
        #expect(r.stdout == (try String(contentsOf: snapshot, encoding: .utf8)))
    }

    @Test func theQuickExamplePlans() throws {
        let r = try OversweepBinary.run(["plan", "examples/quick.yaml"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("trials  48") && r.stdout.contains("alpha") && r.stdout.contains("GFLOP"))
    }

    /// Every shipped spec plans, and the docs name every one of them (one set
    /// of examples: a spec nobody points to is a second, drifting copy).
    @Test func everyExampleSpecPlansAndIsDocumented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let examples = root.appendingPathComponent("examples")
        let files = try FileManager.default.subpathsOfDirectory(atPath: examples.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files.contains("quick.yaml") && files.filter { $0.hasPrefix("e") }.count == 7, "\(files)")
        let docs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }
            .map { try String(contentsOf: root.appendingPathComponent("docs/\($0)"), encoding: .utf8) }.joined()
        for file in files {
            let r = try OversweepBinary.run(["plan", examples.appendingPathComponent(file).path])
            #expect(r.status == 0, "\(file): \(r.stderr)")
            let named = docs.contains("examples/\(file)")
            #expect(named, "no doc names examples/\(file)")
        }
    }
}
