import Foundation
import Testing
import TrialContract

/// The must-hold properties, through real processes and real sockets.
/// Serialized: each test already runs several processes on a 2-core machine.
@Suite(.serialized) struct ProcessTests {
    @Test func threeWorkersRecordEveryTrialExactlyOnce() async throws {
        let sweep = try LocalSweep(trials: 240)
        defer { sweep.cleanup() }
        let coordinator = try sweep.coordinator(leaseSize: 8)
        let workers = try (1...3).map { try sweep.worker("w\($0)", simulate: 0.002) }
        let status = await coordinator.wait(60)
        #expect(status == 0, "coordinator: \(coordinator.log)")
        for w in workers { #expect(await w.wait(10) == 0, "worker: \(w.log)") }
        let records = sweep.records
        #expect(records.count == sweep.ids.count)
        #expect(Set(records.map(\.id)) == sweep.ids)
        #expect(Set(records.map(\.worker)).count >= 2, "work was spread over the workers")
    }

    @Test func sigkilledWorkersTrialsAreReleasedAndNoneLostOrDuplicated() async throws {
        let sweep = try LocalSweep(trials: 200)
        defer { sweep.cleanup() }
        let coordinator = try sweep.coordinator(leaseSize: 10)
        let victim = try sweep.worker("victim", simulate: 0.01)
        let survivors = try (1...2).map { try sweep.worker("s\($0)", simulate: 0.01) }
        // Killed only once it has worked (on a loaded machine it may join late), so it holds leases.
        #expect(await Scratch.waitUntil(within: 30) { sweep.records.contains { $0.worker == "victim" } })
        victim.signal(SIGKILL)
        let status = await coordinator.wait(60)
        #expect(status == 0, "coordinator: \(coordinator.log)")
        for w in survivors { #expect(await w.wait(10) == 0) }
        let records = sweep.records
        #expect(records.count == sweep.ids.count)
        #expect(Set(records.map(\.id)) == sweep.ids)
        // The victim held a running and a prefetched lease: those trials ran again elsewhere.
        #expect(records.contains { $0.attempt >= 2 && $0.worker != "victim" }, "no re-leased trial in \(coordinator.log)")
        #expect(coordinator.log.contains("presumed lost"))
    }

    @Test func sigkilledCoordinatorResumesAndWorkersReconnectByThemselves() async throws {
        let sweep = try LocalSweep(trials: 240)
        defer { sweep.cleanup() }
        let first = try sweep.coordinator(leaseSize: 4, log: "coordinator1.log")
        let workers = try (1...2).map { try sweep.worker("w\($0)", simulate: 0.01, ["--max-backoff", "1"]) }
        #expect(await Scratch.waitForLines(sweep.out, 60, within: 30))
        first.signal(SIGKILL)
        _ = await first.wait(5)
        let before = Set(sweep.records.map(\.id))
        try await Task.sleep(for: .milliseconds(500))
        let second = try sweep.coordinator(leaseSize: 4, ["--resume"], log: "coordinator2.log")
        let status = await second.wait(60)
        #expect(status == 0, "coordinator: \(second.log)")
        for w in workers { #expect(await w.wait(10) == 0, "worker: \(w.log)") }
        let records = sweep.records
        #expect(records.count == sweep.ids.count, "no trial recorded twice")
        #expect(Set(records.map(\.id)) == sweep.ids)
        #expect(second.log.contains("resuming: \(before.count) of 240"))
        // Re-runs are bounded by what was in flight: 2 workers × (1 running + 1 prefetched) leases × 4 trials,
        // plus results that were sent but not yet durable.
        let dup = Self.number(before: " duplicate results ignored", in: second.log) ?? 999
        #expect(dup <= 16 + 8, "duplicates \(dup)")
        #expect(workers.allSatisfy { $0.log.contains("coordinator restarted") || $0.log.contains("reconnecting") })
    }

    @Test func sigtermedWorkerHandsBackItsLeasesAndExitsCleanly() async throws {
        let sweep = try LocalSweep(trials: 200)
        defer { sweep.cleanup() }
        let coordinator = try sweep.coordinator(leaseSize: 10)
        let leaving = try sweep.worker("leaving", simulate: 0.01)
        let staying = try sweep.worker("staying", simulate: 0.01)
        #expect(await Scratch.waitForLines(sweep.out, 30, within: 30))
        leaving.signal(SIGTERM)
        #expect(await leaving.wait(10) == 0, "worker: \(leaving.log)")
        #expect(await coordinator.wait(60) == 0, "coordinator: \(coordinator.log)")
        _ = await staying.wait(10)
        let records = sweep.records
        #expect(records.count == sweep.ids.count)
        #expect(Set(records.map(\.id)) == sweep.ids)
        #expect(coordinator.log.contains("handed back"))
    }

    @Test func interruptedCoordinatorExitsNonZeroAndResumeFinishes() async throws {
        let sweep = try LocalSweep(trials: 200)
        defer { sweep.cleanup() }
        let first = try sweep.coordinator(leaseSize: 4, ["--grace", "5"], log: "c1.log")
        let worker = try sweep.worker("w", jobs: 2, simulate: 0.01, ["--max-backoff", "1"])
        #expect(await Scratch.waitForLines(sweep.out, 30, within: 30))
        first.signal(SIGINT)
        #expect(await first.wait(15) == 130, "coordinator: \(first.log)")
        let partial = sweep.records
        #expect(partial.count < sweep.ids.count && Set(partial.map(\.id)).count == partial.count)
        let second = try sweep.coordinator(leaseSize: 4, ["--grace", "5", "--resume"], log: "c2.log")
        #expect(await second.wait(60) == 0, "coordinator: \(second.log)")
        _ = await worker.wait(10)
        let records = sweep.records
        #expect(records.count == sweep.ids.count)
        #expect(Set(records.map(\.id)) == sweep.ids)
    }

    @Test func aLongTrialNeverLooksDead() async throws {
        // Trials of 1.5 s against a 0.6 s liveness window: heartbeats flow while computing.
        let sweep = try LocalSweep(trials: 4)
        defer { sweep.cleanup() }
        let coordinator = try sweep.coordinator(leaseSize: 2)
        let worker = try sweep.worker("slow", jobs: 2, simulate: 1.5, ["--simulate-spin"])
        #expect(await coordinator.wait(30) == 0, "coordinator: \(coordinator.log)")
        _ = await worker.wait(10)
        let records = sweep.records
        #expect(Set(records.map(\.id)) == sweep.ids && records.count == sweep.ids.count)
        #expect(records.allSatisfy { $0.attempt == 1 })
        #expect(!coordinator.log.contains("presumed lost"))
    }

    @Test func workersOnDifferentBLASKernelsAreReportedOnce() async throws {
        // Same binary, OpenBLAS forced to two kernel sets (both run on any AVX2 CPU).
        let sweep = try LocalSweep(trials: 40)
        defer { sweep.cleanup() }
        let coordinator = try sweep.coordinator(leaseSize: 4)
        let workers = try ["Haswell", "Sandybridge", "Haswell"].enumerated().map { i, core in
            try sweep.worker("w\(i)", simulate: 0.01, wrapper: ["/usr/bin/env", "OPENBLAS_CORETYPE=\(core)"])
        }
        #expect(await coordinator.wait(60) == 0, "coordinator: \(coordinator.log)")
        for w in workers { _ = await w.wait(10) }
        #expect(Set(sweep.records.map(\.id)) == sweep.ids)
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
