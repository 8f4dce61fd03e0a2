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

        let run = try OversweepBinary.run(["run", spec, "--workers", "2", "--out", out, "--quiet"])
        #expect(run.status == 0, "run: \(run.stderr)")
        let status = try OversweepBinary.run(["status", out, "--spec", spec])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("trials recorded: 6 — 6 ok"), "\(status.stdout)")
        #expect(status.stdout.contains("6 trials planned, 0 remaining"), "\(status.stdout)")

        // Lines in the file: a header and one line per trial, ids distinct.
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        let ids = lines.compactMap { line -> String? in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], o["kind"] as? String == "trial" else { return nil }
            return o["id"] as? String
        }
        #expect(ids.count == 6 && Set(ids).count == 6)

        // A bigger grid over the same file: the spec hash differs, so resume is refused unless forced…
        try Self.spec(seeds: 4).write(toFile: spec, atomically: true, encoding: .utf8)
        let remaining = try OversweepBinary.run(["status", out, "--spec", spec])
        #expect(remaining.stdout.contains("8 trials planned, 2 remaining"), "\(remaining.stdout)")
        let refused = try OversweepBinary.run(["run", spec, "--workers", "1", "--out", out, "--resume", "--quiet"])
        #expect(refused.status != 0 && refused.stderr.contains(out))
        // …and a second run without --resume never touches an existing file.
        let clobber = try OversweepBinary.run(["run", spec, "--workers", "1", "--out", out, "--quiet"])
        #expect(clobber.status != 0 && clobber.stderr.contains("--resume"))
        #expect(try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").count == lines.count)

        // With --force, only the two new trials run.
        let forced = try OversweepBinary.run(["run", spec, "--workers", "1", "--out", out, "--resume", "--force", "--quiet"])
        #expect(forced.status == 0, "\(forced.stderr)")
        let done = try OversweepBinary.run(["status", out, "--spec", spec])
        #expect(done.stdout.contains("8 trials planned, 0 remaining"), "\(done.stdout)")
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
