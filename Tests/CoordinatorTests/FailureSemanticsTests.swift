import Foundation
import TestSupport
import Testing
import TrialContract

/// Processes whose parent is `pid` (from /proc).
func childPIDs(of pid: Int32) -> [Int32] {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    return names.compactMap { name -> Int32? in
        guard let child = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 2 && Int32(fields[1]) == pid ? child : nil
    }
}

/// Issue 12 §2 through the real binary: a sweep always ends, says how it
/// ended in its exit status and last line, and `--resume` runs failed trials
/// again. Issue 13: `run` survives the death of its local workers.
@Suite(.serialized) struct FailureSemanticsTests {
    /// examples/quick.yaml in small, with `margin: 0.999`: every trial fails on the worker
    /// (no sphere-teacher sample has that margin in 16 dimensions).
    static let allFailing = """
        name: failing
        base:
          data: sphere_teacher
          dim: 16
          n_train: 32
          n_test: 32
          depth: 1
          activation: relu
          loss: logistic
          lr: 0.1
          steps: 5
          margin: 0.999
        grid:
          width: [8, 16]
          seeds: 2
        """

    @Test(arguments: [1, 2, 3])
    func anAllFailingSweepEndsNonZeroWithEveryTrialQuarantined(workers: Int) async throws {
        let s = try Scratch()
        defer { s.cleanup() }
        try Self.allFailing.write(toFile: s.path("failing.yaml"), atomically: true, encoding: .utf8)
        let out = s.path("failing.jsonl")
        let run = try Child(["run", s.path("failing.yaml"), "--workers", "\(workers)", "--out", out], log: s.path("run.log"))
        #expect(await run.wait(120) == 3, "run: \(run.log)")
        let last = run.log.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.contains("4 of 4 trials failed") && last.contains("oversweep status \(out)"), "last line: \(last)")
        let records = try Self.records(out)
        #expect(records.count == 4)
        #expect(records.allSatisfy { $0.status == "failed" && $0.message.hasPrefix("quarantined after 3 failed attempts") && $0.attempt == 3 },
                "\(records)")
        guard workers == 1 else { return }

        // --resume runs them again, their attempt count continuing; they fail again.
        let again = try Child(["run", s.path("failing.yaml"), "--workers", "1", "--out", out, "--resume"], log: s.path("again.log"))
        #expect(await again.wait(120) == 3, "resume: \(again.log)")
        #expect(again.log.contains("running 4 trials again"))
        let after = try Self.records(out)
        #expect(after.count == 8)
        #expect(after.suffix(4).allSatisfy { $0.attempt == 6 }, "\(after)")
        // --keep-failed: the old behaviour, nothing runs, and the status still says failures.
        let kept = try Child(["run", s.path("failing.yaml"), "--workers", "1", "--out", out, "--resume", "--keep-failed"], log: s.path("kept.log"))
        #expect(await kept.wait(60) == 3, "kept: \(kept.log)")
        #expect(kept.log.contains("4 kept from earlier runs"))
        #expect(try Self.records(out).count == 8)
    }

    @Test func runRestartsADeadLocalWorkerAndFinishes() async throws {
        let s = try Scratch()
        defer { s.cleanup() }
        let (spec, ids) = try s.trialList(300)
        let out = s.path("r.jsonl")
        // The socket directory a SIGKILLed run left behind (its PID gone) is removed by the next run.
        let stale = FileManager.default.temporaryDirectory.appendingPathComponent("oversweep-3999999-17")
        try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: stale.appendingPathComponent("coordinator.sock").path, contents: nil)
        let run = try Child(["run", spec, "--workers", "2", "--out", out, "--simulate", "0.02"], log: s.path("run.log"))
        #expect(await Scratch.waitForLines(out, 30, within: 60))
        let workers = childPIDs(of: run.pid)
        #expect(workers.count == 2)
        if let victim = workers.first { kill(victim, SIGKILL) }
        #expect(await run.wait(120) == 0, "run: \(run.log)")
        #expect(run.log.contains("was killed by signal 9; restarting it"))
        #expect(!FileManager.default.fileExists(atPath: stale.path))
        let records = Scratch.records(out)
        #expect(records.count == ids.count && Set(records.map(\.id)) == ids)
    }

    @Test func runStopsWhenNoLocalWorkerIsLeft() async throws {
        let s = try Scratch()
        defer { s.cleanup() }
        let (spec, _) = try s.trialList(2000)
        let out = s.path("r.jsonl")
        let run = try Child(["run", spec, "--workers", "1", "--out", out, "--simulate", "0.02", "--max-restarts", "1"], log: s.path("run.log"))
        #expect(await Scratch.waitForLines(out, 10, within: 60))
        for _ in 0..<2 {
            // Kill the worker there is (the first, then its one restart).
            var victim: Int32?
            _ = await Scratch.waitUntil(within: 30) {
                victim = childPIDs(of: run.pid).first
                return victim != nil
            }
            if let victim { kill(victim, SIGKILL) }
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(await run.wait(60) == 1, "run: \(run.log)")
        #expect(run.log.contains("every local worker died"), "\(run.log.suffix(1500))")
        let records = Scratch.records(out)
        #expect(!records.isEmpty && records.count < 2000)
    }

    @Test func aFailedBindLeavesNoResultFile() async throws {
        let s = try Scratch()
        defer { s.cleanup() }
        let (spec, _) = try s.trialList(3)
        let endpoint = loopbackEndpoint()
        let first = try Child(["coordinator", spec, "--bind", endpoint, "--out", s.path("a.jsonl")], log: s.path("a.log"))
        #expect(await Scratch.waitUntil(within: 20) { first.log.contains("coordinator on") })
        let second = try Child(["coordinator", spec, "--bind", endpoint, "--out", s.path("b.jsonl")], log: s.path("b.log"))
        #expect(await second.wait(20) == 1)
        #expect(second.log.contains("cannot bind"))
        #expect(!FileManager.default.fileExists(atPath: s.path("b.jsonl")))
        first.signal(SIGTERM)
        _ = await first.wait(15)
    }

    @Test func anIPv6EndpointWorks() async throws {
        let sweep = try LocalSweep(trials: 20, endpoint: "tcp://[::1]:\(Int.random(in: 20_000...60_000))")
        defer { sweep.cleanup() }
        let coordinator = try sweep.coordinator()
        let worker = try sweep.worker("w", simulate: 0.001)
        #expect(await coordinator.wait(60) == 0, "coordinator: \(coordinator.log)")
        _ = await worker.wait(10)
        #expect(Set(sweep.records.map(\.id)) == sweep.ids)
    }

    static func records(_ path: String) throws -> [(id: String, status: String, message: String, attempt: Int)] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], obj["kind"] as? String == "trial" else { return nil }
            return (obj["id"] as? String ?? "", obj["status"] as? String ?? "", obj["message"] as? String ?? "", obj["attempt"] as? Int ?? 0)
        }
    }
}
