import Foundation
import Testing
import TrialContract

/// The must-hold properties, through real processes and real sockets.
/// Serialized: each test already runs several processes on a 2-core machine.
@Suite(.serialized) struct ProcessTests {
    @Test func threeWorkersRecordEveryTrialExactlyOnce() async throws {
        let s = try Scratch()
        defer { s.cleanup() }
        let (spec, ids) = try s.trialList(240)
        let endpoint = loopbackEndpoint()
        let out = s.path("results.jsonl")
        let coordinator = try Child(["coordinator", spec, "--bind", endpoint, "--out", out, "--lease-size", "8"] + fastLiveness,
                                    log: s.path("coordinator.log"))
        let workers = try (1...3).map {
            try Child(["worker", "--connect", endpoint, "--jobs", "1", "--name", "w\($0)", "--simulate", "0.002"], log: s.path("w\($0).log"))
        }
        let status = await coordinator.wait(60)
        #expect(status == 0, "coordinator: \(coordinator.log)")
        for w in workers { #expect(await w.wait(10) == 0, "worker: \(w.log)") }
        let records = Scratch.records(out)
        #expect(records.count == ids.count)
        #expect(Set(records.map(\.id)) == ids)
        #expect(Set(records.map(\.worker)).count >= 2, "work was spread over the workers")
    }

    @Test func sigkilledWorkersTrialsAreReleasedAndNoneLostOrDuplicated() async throws {
        let s = try Scratch()
        defer { s.cleanup() }
        let (spec, ids) = try s.trialList(200)
        let endpoint = loopbackEndpoint()
        let out = s.path("results.jsonl")
        let coordinator = try Child(["coordinator", spec, "--bind", endpoint, "--out", out, "--lease-size", "10"] + fastLiveness,
                                    log: s.path("coordinator.log"))
        let victim = try Child(["worker", "--connect", endpoint, "--jobs", "1", "--name", "victim", "--simulate", "0.01"], log: s.path("victim.log"))
        let survivors = try (1...2).map {
            try Child(["worker", "--connect", endpoint, "--jobs", "1", "--name", "s\($0)", "--simulate", "0.01"], log: s.path("s\($0).log"))
        }
        // Killed only once it has worked (on a loaded machine it may join late), so it holds leases.
        #expect(await Scratch.waitUntil(within: 30) { Scratch.records(out).contains { $0.worker == "victim" } })
        victim.signal(SIGKILL)
        let status = await coordinator.wait(60)
        #expect(status == 0, "coordinator: \(coordinator.log)")
        for w in survivors { #expect(await w.wait(10) == 0) }
        let records = Scratch.records(out)
        #expect(records.count == ids.count)
        #expect(Set(records.map(\.id)) == ids)
        // The victim held a running and a prefetched lease: those trials ran again elsewhere.
        #expect(records.contains { $0.attempt >= 2 && $0.worker != "victim" }, "no re-leased trial in \(coordinator.log)")
        #expect(coordinator.log.contains("presumed lost"))
    }

    @Test func sigkilledCoordinatorResumesAndWorkersReconnectByThemselves() async throws {
        let s = try Scratch()
        defer { s.cleanup() }
        let (spec, ids) = try s.trialList(240)
        let endpoint = loopbackEndpoint()
        let out = s.path("results.jsonl")
        let args = ["coordinator", spec, "--bind", endpoint, "--out", out, "--lease-size", "4"] + fastLiveness
        let first = try Child(args, log: s.path("coordinator1.log"))
        let workers = try (1...2).map {
            try Child(["worker", "--connect", endpoint, "--jobs", "1", "--name", "w\($0)", "--simulate", "0.01", "--max-backoff", "1"],
                      log: s.path("w\($0).log"))
        }
        #expect(await Scratch.waitForLines(out, 60, within: 30))
        first.signal(SIGKILL)
        _ = await first.wait(5)
        let before = Set(Scratch.records(out).map(\.id))
        try await Task.sleep(for: .milliseconds(500))
        let second = try Child(args + ["--resume"], log: s.path("coordinator2.log"))
        let status = await second.wait(60)
        #expect(status == 0, "coordinator: \(second.log)")
        for w in workers { #expect(await w.wait(10) == 0, "worker: \(w.log)") }
        let records = Scratch.records(out)
        #expect(records.count == ids.count, "no trial recorded twice")
        #expect(Set(records.map(\.id)) == ids)
        #expect(second.log.contains("resuming: \(before.count) of 240"))
        // Re-runs are bounded by what was in flight: 2 workers × (1 running + 1 prefetched) leases × 4 trials,
        // plus results that were sent but not yet durable.
        let dup = Self.number(before: " duplicate results ignored", in: second.log) ?? 999
        #expect(dup <= 16 + 8, "duplicates \(dup)")
        #expect(workers.allSatisfy { $0.log.contains("coordinator restarted") || $0.log.contains("reconnecting") })
    }

    @Test func sigtermedWorkerHandsBackItsLeasesAndExitsCleanly() async throws {
        let s = try Scratch()
        defer { s.cleanup() }
        let (spec, ids) = try s.trialList(200)
        let endpoint = loopbackEndpoint()
        let out = s.path("results.jsonl")
        let coordinator = try Child(["coordinator", spec, "--bind", endpoint, "--out", out, "--lease-size", "10"] + fastLiveness,
                                    log: s.path("coordinator.log"))
        let leaving = try Child(["worker", "--connect", endpoint, "--jobs", "1", "--name", "leaving", "--simulate", "0.01"], log: s.path("leaving.log"))
        let staying = try Child(["worker", "--connect", endpoint, "--jobs", "1", "--name", "staying", "--simulate", "0.01"], log: s.path("staying.log"))
        #expect(await Scratch.waitForLines(out, 30, within: 30))
        leaving.signal(SIGTERM)
        #expect(await leaving.wait(10) == 0, "worker: \(leaving.log)")
        #expect(await coordinator.wait(60) == 0, "coordinator: \(coordinator.log)")
        _ = await staying.wait(10)
        let records = Scratch.records(out)
        #expect(records.count == ids.count)
        #expect(Set(records.map(\.id)) == ids)
        #expect(coordinator.log.contains("handed back"))
    }

    @Test func interruptedCoordinatorExitsNonZeroAndResumeFinishes() async throws {
        let s = try Scratch()
        defer { s.cleanup() }
        let (spec, ids) = try s.trialList(200)
        let endpoint = loopbackEndpoint()
        let out = s.path("results.jsonl")
        let args = ["coordinator", spec, "--bind", endpoint, "--out", out, "--lease-size", "4", "--grace", "5"] + fastLiveness
        let first = try Child(args, log: s.path("c1.log"))
        let worker = try Child(["worker", "--connect", endpoint, "--jobs", "2", "--name", "w", "--simulate", "0.01", "--max-backoff", "1"],
                               log: s.path("w.log"))
        #expect(await Scratch.waitForLines(out, 30, within: 30))
        first.signal(SIGINT)
        #expect(await first.wait(15) == 130, "coordinator: \(first.log)")
        let partial = Scratch.records(out)
        #expect(partial.count < ids.count && Set(partial.map(\.id)).count == partial.count)
        let second = try Child(args + ["--resume"], log: s.path("c2.log"))
        #expect(await second.wait(60) == 0, "coordinator: \(second.log)")
        _ = await worker.wait(10)
        let records = Scratch.records(out)
        #expect(records.count == ids.count)
        #expect(Set(records.map(\.id)) == ids)
    }

    @Test func aLongTrialNeverLooksDead() async throws {
        // Trials of 1.5 s against a 0.6 s liveness window: heartbeats flow while computing.
        let s = try Scratch()
        defer { s.cleanup() }
        let (spec, ids) = try s.trialList(4)
        let endpoint = loopbackEndpoint()
        let out = s.path("results.jsonl")
        let coordinator = try Child(["coordinator", spec, "--bind", endpoint, "--out", out, "--lease-size", "2"] + fastLiveness,
                                    log: s.path("coordinator.log"))
        let worker = try Child(["worker", "--connect", endpoint, "--jobs", "2", "--name", "slow", "--simulate", "1.5", "--simulate-spin"],
                               log: s.path("worker.log"))
        #expect(await coordinator.wait(30) == 0, "coordinator: \(coordinator.log)")
        _ = await worker.wait(10)
        let records = Scratch.records(out)
        #expect(Set(records.map(\.id)) == ids && records.count == ids.count)
        #expect(records.allSatisfy { $0.attempt == 1 })
        #expect(!coordinator.log.contains("presumed lost"))
    }

    @Test func workersOnDifferentBLASKernelsAreReportedOnce() async throws {
        // Same binary, OpenBLAS forced to two kernel sets (both run on any AVX2 CPU).
        let s = try Scratch()
        defer { s.cleanup() }
        let (spec, ids) = try s.trialList(40)
        let endpoint = loopbackEndpoint()
        let out = s.path("results.jsonl")
        let coordinator = try Child(["coordinator", spec, "--bind", endpoint, "--out", out, "--lease-size", "4"] + fastLiveness,
                                    log: s.path("coordinator.log"))
        let workers = try ["Haswell", "Sandybridge", "Haswell"].enumerated().map { i, core in
            try Child(["worker", "--connect", endpoint, "--jobs", "1", "--name", "w\(i)", "--simulate", "0.01"],
                      log: s.path("w\(i).log"), wrapper: ["/usr/bin/env", "OPENBLAS_CORETYPE=\(core)"])
        }
        #expect(await coordinator.wait(60) == 0, "coordinator: \(coordinator.log)")
        for w in workers { _ = await w.wait(10) }
        #expect(Set(Scratch.records(out).map(\.id)) == ids)
        let log = coordinator.log
        #expect(log.contains("OpenBLAS Haswell") && log.contains("OpenBLAS Sandybridge"), "\(log)")
        #expect(log.components(separatedBy: "set OPENBLAS_CORETYPE").count - 1 == 1, "one warning: \(log)")
    }

    @Test func workerWithoutACoordinatorGivesUpWithStatus75() async throws {
        // Nothing listens on the endpoint (a sweep finished while this worker
        // was away, or its coordinator died for good): it must not retry forever.
        let s = try Scratch()
        defer { s.cleanup() }
        let started = Date()
        let worker = try Child(["worker", "--connect", loopbackEndpoint(), "--name", "orphan", "--give-up-after", "1.5",
                                "--max-backoff", "0.5", "--simulate", "0"], log: s.path("worker.log"))
        #expect(await worker.wait(20) == 75, "worker: \(worker.log)")
        #expect(Date().timeIntervalSince(started) >= 1.5)
        #expect(worker.log.contains("giving up"), "worker: \(worker.log)")
    }

    static func number(before suffix: String, in text: String) -> Int? {
        guard let r = text.range(of: suffix) else { return nil }
        let digits = text[..<r.lowerBound].reversed().prefix { $0.isNumber }
        return Int(String(digits.reversed()))
    }
}
