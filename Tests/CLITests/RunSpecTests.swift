import Foundation
import TestSupport
import Testing
import TrialContract

/// The embedded default path end to end: a YAML spec → `oversweep run` (a
/// coordinator and real worker processes over ZeroMQ) → the result store →
/// `status --spec`, `report`.
@Suite struct RunSpecTests {
    static func spec(seeds: Int) -> String {
        """
        name: tiny
        base:
          data: sphere_teacher
          dim: 4
          n_train: 16
          n_test: 16
          width: 8
          depth: 1
          activation: relu
          loss: logistic
          lr: 0.1
          steps: 20
        grid:
          lr: [0.1, 0.2]
          seeds: \(seeds)
        """
    }

    @Test func runRecordsEveryTrialOnceAndStatusCountsWhatRemains() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("tiny.yaml").path
        let out = dir.appendingPathComponent("tiny.jsonl").path
        try Self.spec(seeds: 3).write(toFile: spec, atomically: true, encoding: .utf8)

        let run = try OversweepBinary.run(["run", spec, "--workers", "1", "--out", out])
        #expect(run.status == 0, "run: \(run.stderr)")
        #expect(run.stderr.contains("running 6 remaining trials of 6 with 1 local worker →"), "\(run.stderr)")
        let status = try OversweepBinary.run(["status", out, "--spec", spec])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("trials recorded: 6 — 6 ok"), "\(status.stdout)")
        #expect(status.stdout.contains("6 trials planned, 6 recorded, 0 remaining"), "\(status.stdout)")

        // Lines in the file: a header and one line per trial, ids distinct.
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        let ids = lines.compactMap { line -> String? in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], o["kind"] as? String == "trial" else { return nil }
            return o["id"] as? String
        }
        #expect(ids.count == 6 && Set(ids).count == 6)

        // A second run without --resume never touches an existing file.
        let clobber = try OversweepBinary.run(["run", spec, "--workers", "1", "--out", out, "--quiet"])
        #expect(clobber.status != 0 && clobber.stderr.contains("--resume"))
        #expect(try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").count == lines.count)
    }

    /// A spec that grows is a revision: resumed without --force, recorded in
    /// the file, and what status, report and later resumes compare against;
    /// a spec that drops trials is refused unless forced, which records it too.
    @Test func aGrownSpecIsARevisionAndAShrunkOneNeedsForce() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("tiny.yaml").path
        let out = dir.appendingPathComponent("tiny.jsonl").path
        try Self.spec(seeds: 3).write(toFile: spec, atomically: true, encoding: .utf8)
        #expect(try OversweepBinary.run(["run", spec, "--workers", "1", "--out", out, "--quiet"]).status == 0)

        // Four seeds instead of three: two more trials, all six old ones kept.
        try Self.spec(seeds: 4).write(toFile: spec, atomically: true, encoding: .utf8)
        let before = try OversweepBinary.run(["status", out, "--spec", spec])
        #expect(before.status == 2 && before.stdout.contains("8 trials planned, 6 recorded, 2 remaining"), "\(before.stdout)")
        let grown = try OversweepBinary.run(["run", spec, "--workers", "1", "--out", out, "--resume"])
        #expect(grown.status == 0, "\(grown.stderr)")
        #expect(grown.stderr.contains("recorded this spec as revision 2"), "\(grown.stderr)")
        #expect(grown.stderr.contains("running 2 remaining trials of 8 with 1 local worker"), "\(grown.stderr)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        let revisions = text.split(separator: "\n").filter { $0.hasPrefix(#"{"kind":"revision""#) }
        #expect(revisions.count == 1 && revisions[0].contains("seeds: 4") && revisions[0].contains(#""forced":false"#))
        // The file's own latest spec is now the grown one: complete, no --spec needed.
        let own = try OversweepBinary.run(["status", out, "--json"])
        #expect(own.status == 0, "\(own.stdout) \(own.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(own.stdout.utf8)) as? [String: Any]
        let plan = json?["plan"] as? [String: Any]
        #expect(json?["revisions"] as? Int == 2 && plan?["planned"] as? Int == 8 && plan?["remaining"] as? Int == 0, "\(own.stdout)")
        // Resuming with the grown spec again needs nothing and appends nothing.
        #expect(try OversweepBinary.run(["run", spec, "--workers", "1", "--out", out, "--resume", "--quiet"]).status == 0)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == text)

        // Two seeds: drops trials of the latest revision, refused and the file untouched…
        try Self.spec(seeds: 2).write(toFile: spec, atomically: true, encoding: .utf8)
        let refused = try OversweepBinary.run(["run", spec, "--workers", "1", "--out", out, "--resume", "--quiet"])
        #expect(refused.status != 0 && refused.stderr.contains("drops or changes 4 of the 8 trials") && refused.stderr.contains("--force"),
                "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == text)
        // …unless forced: a forced revision, and counters that never exceed the plan.
        let forced = try OversweepBinary.run(["run", spec, "--workers", "1", "--out", out, "--resume", "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stderr.contains("running 0 remaining trials of 4"), "\(forced.stderr)")
        #expect(forced.stderr.contains("sweep complete: 4/4 recorded"), "\(forced.stderr)")
        let after = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix(#"{"kind":"revision""#) }
        #expect(after.count == 2 && after[1].contains(#""forced":true"#))
        let status = try OversweepBinary.run(["status", out])
        #expect(status.stdout.contains("the file's latest spec: 4 trials planned, 4 recorded, 0 remaining (4 recorded trials are not in this plan)"),
                "\(status.stdout)")
        let report = try OversweepBinary.run(["report", out, "-o", dir.appendingPathComponent("rep").path])
        #expect(report.status == 0 && report.stdout.contains("revision 3 of the spec") && report.stdout.contains("4 of 4 planned trials recorded"),
                "\(report.stdout) \(report.stderr)")
    }

    @Test func badSpecGetsOneLine() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("bad.yaml").path
        try Self.spec(seeds: 2).replacingOccurrences(of: "activation: relu", with: "activaton: relu")
            .write(toFile: spec, atomically: true, encoding: .utf8)
        let r = try OversweepBinary.run(["run", spec, "--workers", "1", "--out", dir.appendingPathComponent("o.jsonl").path])
        #expect(r.status != 0)
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains("did you mean 'activation'"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("o.jsonl").path))
    }
}
