import Foundation
import Logging
import Store
import Sweep
import Synchronization
import Testing
import Training
import TrialContract
import Wire
@testable import Coordinator

/// Helpers that play workers against a `CoordinatorCore`, with time passed in.
struct Harness {
    static let sweep = "sweep-test"
    var core: CoordinatorCore
    let sink: MemoryResultSink
    var now = 0.0

    static func trials(_ n: Int) -> [Trial] {
        (0..<n).map { i in
            var c = TrialConfig()
            c.seed = UInt64(i)
            c.width = 8
            c.steps = 10
            return Trial(config: c, sweep: "")
        }
    }

    init(trials n: Int = 20, leaseSize: Int = 4, maxAttempts: Int = 3, existing: [TrialRecord] = []) {
        var o = CoordinatorOptions(sweepID: Self.sweep, incarnation: 77)
        o.leaseSize = leaseSize
        o.heartbeatInterval = 1
        o.liveness = 3
        o.maxAttempts = maxAttempts
        o.workerFailureLimit = 3
        sink = MemoryResultSink(existing: existing)
        core = CoordinatorCore(options: o, source: MemoryTrialSource(Self.trials(n), shardSize: 8), sink: sink,
                               logger: Logger(label: "test"))
    }

    mutating func send(_ peer: String, _ m: Message, sweep: String = Harness.sweep) -> [CoordinatorCore.Outgoing] {
        let frames = try! Codec.encode(Envelope(sweepID: sweep, incarnation: 0, message: m))
        return core.receive(Delivery(peer: PeerID(peer), frames: frames), now: now)
    }

    mutating func join(_ peer: String, capacity: Int = 1) -> [Lease] {
        _ = send(peer, .hello(Hello(name: peer, host: "h", cores: 1, jobs: 1, build: "t", pid: 1)))
        return leases(send(peer, .ready(WorkerStatus(capacity: capacity, held: [], lastLease: 0))))
    }

    func leases(_ out: [CoordinatorCore.Outgoing]) -> [Lease] {
        out.compactMap { if case .lease(let l) = $0.message { l } else { nil } }
    }

    static func report(_ lease: Lease, _ i: Int, status: TrialStatus = .ok) -> TrialResultReport {
        let t = lease.trials[i]
        return TrialResultReport(leaseID: lease.leaseID, trialID: t.id, attempt: t.attempt, config: t.config,
                                 result: TrainingResult(status: status, message: status == .ok ? nil : "boom", metrics: ["train_loss": 0.5]),
                                 startedAt: Date(), endedAt: Date())
    }

    /// Reports every trial of the lease, then says it holds nothing and wants more.
    mutating func finish(_ peer: String, _ lease: Lease, status: TrialStatus = .ok, capacity: Int = 1) -> [Lease] {
        var out = send(peer, .result(Results(reports: lease.trials.indices.map { Self.report(lease, $0, status: status) })))
        out += send(peer, .ready(WorkerStatus(capacity: capacity, held: [], lastLease: lease.leaseID)))
        return leases(out)
    }

    mutating func flush() -> [CoordinatorCore.Outgoing] { try! core.flush() }
}

@Suite struct CoordinatorCoreTests {
    @Test func leasesOnCreditAndCompletesWithEveryTrialOnce() {
        var h = Harness(trials: 20, leaseSize: 4)
        var pending = h.join("a", capacity: 2) + h.join("b", capacity: 1)
        #expect(pending.count == 3)
        #expect(pending.allSatisfy { $0.trials.count <= 4 })
        var owner: [UInt64: String] = [:]
        for (i, l) in pending.enumerated() { owner[l.leaseID] = i < 2 ? "a" : "b" }
        while let lease = pending.first {
            pending.removeFirst()
            let peer = owner[lease.leaseID] ?? "a"
            for l in h.finish(peer, lease) { owner[l.leaseID] = peer; pending.append(l) }
        }
        #expect(!h.core.isComplete) // not flushed yet
        let acks = h.flush()
        #expect(acks.allSatisfy { if case .ack = $0.message { true } else { false } })
        #expect(h.core.isComplete)
        #expect(h.sink.records.count == 20)
        #expect(Set(h.sink.records.map(\.id)).count == 20)
        let done = h.core.tick(now: h.now + 0.5).filter { if case .done = $0.message { true } else { false } }
        #expect(done.count == 2)
    }

    @Test func workerThatWasAwayWhenDoneWentOutIsToldDoneOnItsNextHello() {
        var h = Harness(trials: 4, leaseSize: 4)
        let lease = h.join("a")[0]
        _ = h.finish("a", lease)
        _ = h.flush()
        #expect(h.core.tick(now: 1).contains { if case .done = $0.message { true } else { false } })
        // Say hello again (a reconnect after missing `done`), and a newcomer too.
        for peer in ["a", "late"] {
            let out = h.send(peer, .hello(Hello(name: peer, host: "h", cores: 1, jobs: 1, build: "t", pid: 1)))
            #expect(out.count == 1)
            #expect(out.first?.message == .done(Done(recorded: 4, quarantined: 0)))
        }
    }

    @Test func acksOnlyAfterTheFlushMadeResultsDurable() {
        var h = Harness(trials: 4, leaseSize: 4)
        let lease = h.join("a")[0]
        let out = h.send("a", .result(Results(reports: [Harness.report(lease, 0)])))
        #expect(!out.contains { if case .ack = $0.message { true } else { false } })
        #expect(h.sink.flushedCount == 0)
        let acks = h.flush()
        #expect(h.sink.flushedCount == 1)
        #expect(acks.count == 1 && acks[0].message == .ack(Ack(trials: [lease.trials[0].id])))
    }

    @Test func silentWorkerLosesItsLeaseToAnother() throws {
        var h = Harness(trials: 4, leaseSize: 4)
        let lease = h.join("a")[0]
        _ = h.send("a", .result(Results(reports: [Harness.report(lease, 0)])))
        #expect(h.join("b").isEmpty) // everything is leased to a
        // b keeps heartbeating; a falls silent past liveness × interval.
        for t in stride(from: 0.5, through: 3.0, by: 0.5) {
            h.now = t
            _ = h.send("b", .heartbeat(WorkerStatus(capacity: 1, held: [], lastLease: 0)))
            #expect(h.leases(h.core.tick(now: t)).isEmpty)
        }
        h.now = 3.1
        let relet = h.leases(h.core.tick(now: 3.1))
        // Only the trial a was running is charged, and it goes alone; the queued ones are not charged.
        try #require(relet.count == 1)
        #expect(relet[0].trials.map(\.id) == [lease.trials[1].id])
        #expect(relet[0].trials[0].attempt == 2)
        #expect(h.core.stats.failedAttempts == 1)
        #expect(h.core.stats.activeWorkers == 1)
        // a comes back late with a result for a trial it no longer holds: refused (and acknowledged, so it forgets it).
        _ = h.send("a", .hello(Hello(name: "a", host: "h", cores: 1, jobs: 1, build: "t", pid: 1)))
        _ = h.send("a", .result(Results(reports: [Harness.report(lease, 1)])))
        #expect(h.core.stats.refusedResults == 1)
        let acks = h.flush()
        #expect(acks.contains { o in
            if o.peer == PeerID("a"), case .ack(let a) = o.message { a.trials.contains(lease.trials[1].id) } else { false }
        })
        #expect(h.sink.records.count == 1)
        var pending = relet
        while let l = pending.first {
            pending.removeFirst()
            pending += h.finish("b", l)
        }
        _ = h.flush()
        #expect(Set(h.sink.records.map(\.id)) == Set(lease.trials.map(\.id)))
        #expect(h.sink.records.allSatisfy { $0.id == lease.trials[0].id ? $0.worker == "a" : $0.worker == "b" })
        #expect(h.core.isComplete)
    }

    @Test func failingTrialIsQuarantinedAfterMaxAttemptsOnDifferentWorkers() {
        var h = Harness(trials: 1, leaseSize: 1, maxAttempts: 3)
        var lease = h.join("a")[0]
        _ = h.join("b")
        _ = h.join("c")
        var peers: [String] = []
        var peer = "a"
        for _ in 0..<3 {
            peers.append(peer)
            var out = h.send(peer, .result(Results(reports: [Harness.report(lease, 0, status: .failed)])))
            for p in ["a", "b", "c"] { out += h.send(p, .ready(WorkerStatus(capacity: 1, held: [], lastLease: lease.leaseID))) }
            guard let next = out.first(where: { if case .lease = $0.message { true } else { false } }),
                  case .lease(let l) = next.message else { break }
            lease = l
            peer = "\(next.peer)"
        }
        _ = h.flush()
        #expect(Set(peers).count == 3) // retried elsewhere each time
        #expect(h.sink.records.count == 1)
        #expect(h.sink.records[0].result.status == .failed)
        #expect(h.sink.records[0].result.message?.contains("quarantined after 3") == true)
        #expect(h.core.stats.quarantined == 1)
        #expect(h.core.isComplete)
    }

    @Test func workerThatFailsWhileOthersSucceedIsQuarantined() {
        var h = Harness(trials: 40, leaseSize: 1, maxAttempts: 10)
        var leaseA = h.join("bad")[0]
        var leaseB = h.join("good")[0]
        var refused = false
        for _ in 0..<6 {
            if let l = h.finish("good", leaseB).first { leaseB = l }
            let out = h.send("bad", .result(Results(reports: [Harness.report(leaseA, 0, status: .failed)])))
                + h.send("bad", .ready(WorkerStatus(capacity: 1, held: [], lastLease: leaseA.leaseID)))
            if out.contains(where: { if case .reject(let r) = $0.message { !r.rehello } else { false } }) { refused = true; break }
            guard let l = h.leases(out).first else { break }
            leaseA = l
        }
        #expect(refused)
        let again = h.send("bad", .hello(Hello(name: "bad", host: "h", cores: 1, jobs: 1, build: "t", pid: 2)))
        #expect(again.contains { if case .reject(let r) = $0.message { !r.rehello } else { false } })
    }

    @Test func resumeSkipsRecordedTrials() {
        let done = Harness.trials(20).prefix(15).map {
            TrialRecord(id: $0.id, config: $0.config, result: TrainingResult(status: .ok), worker: "w", host: "h",
                        attempt: 1, startedAt: Date(), endedAt: Date())
        }
        var h = Harness(trials: 20, leaseSize: 100, existing: Array(done))
        let leases = h.join("a", capacity: 5)
        let leased = leases.flatMap(\.trials).map(\.id)
        #expect(Set(leased) == Set(Harness.trials(20).suffix(5).map(\.id)))
        #expect(h.core.stats.recorded == 15)
    }

    @Test func handedBackLeaseIsRelesedWithoutChargingAnAttempt() {
        var h = Harness(trials: 4, leaseSize: 4, maxAttempts: 1)
        let lease = h.join("a")[0]
        _ = h.join("b")
        let out = h.send("a", .bye(Bye(reason: "SIGTERM", returnedLeases: [lease.leaseID])))
        let relet = h.leases(out)
        #expect(relet.count == 1 && relet[0].trials.count == 4)
        #expect(h.core.stats.quarantined == 0 && h.core.stats.failedAttempts == 0)
    }

    @Test func leaseLostOnTheWireIsNoticedFromTheWorkersStatus() {
        var h = Harness(trials: 8, leaseSize: 4)
        let lease = h.join("a")[0]
        // The worker never got it: later status says it holds nothing and has seen no lease.
        h.now = 1
        #expect(h.leases(h.send("a", .heartbeat(WorkerStatus(capacity: 1, held: [], lastLease: 0)))).isEmpty)
        h.now = 4
        let relet = h.leases(h.send("a", .heartbeat(WorkerStatus(capacity: 1, held: [], lastLease: 0))))
        #expect(relet.count == 1)
        #expect(Set(relet[0].trials.map(\.id)) == Set(lease.trials.map(\.id)))
    }

    @Test func unknownPeersAndForeignSweepsAreToldToSayHello() {
        var h = Harness(trials: 4)
        let out = h.send("x", .heartbeat(WorkerStatus(capacity: 1, held: [], lastLease: 0)))
        #expect(out.first?.message == .reject(Reject(reason: "unknown worker; send hello", rehello: true)))
        _ = h.join("a")
        let foreign = h.send("a", .ready(WorkerStatus(capacity: 1, held: [], lastLease: 0)), sweep: "other")
        #expect(foreign.contains { if case .reject(let r) = $0.message { r.rehello } else { false } })
    }

    @Test func garbageFromARogueIsDroppedAndTheSweepGoesOn() {
        var h = Harness(trials: 4, leaseSize: 4)
        let lease = h.join("a")[0]
        for i in 0..<50 {
            let junk: [[UInt8]] = [Array("garbage \(i)".utf8), [0, 1, 2]]
            #expect(h.core.receive(Delivery(peer: PeerID("rogue"), frames: junk), now: 0).isEmpty)
        }
        var wrong = try! Codec.encode(Envelope(sweepID: Harness.sweep, incarnation: 0, message: .heartbeat(nil)))
        wrong[0][5] = 9
        let out = h.core.receive(Delivery(peer: PeerID("rogue"), frames: wrong), now: 0)
        #expect(out.first.map { if case .reject(let r) = $0.message { !r.rehello } else { false } } == true)
        // A rogue that said hello may still not claim results for leases it does not hold with bad data.
        _ = h.finish("a", lease)
        _ = h.flush()
        #expect(h.sink.records.count == 4)
        #expect(h.core.stats.droppedMessages == 51)
        #expect(h.core.isComplete)
    }

    @Test func resultForATrialNotLeasedToTheSenderIsRefusedEvenWithItsConfig() {
        // A restarted coordinator does not know the lease a result belongs to;
        // a forger claims a planned trial it was never given. Neither is recorded.
        var h = Harness(trials: 4, leaseSize: 4)
        _ = h.join("a")
        let t = Harness.trials(4)[2]
        let stale = Lease(leaseID: 999, expiresIn: 1, trials: [LeasedTrial(id: t.id, attempt: 1, config: t.config)])
        _ = h.send("a", .result(Results(reports: [Harness.report(stale, 0)])))
        let acks = h.flush()
        #expect(h.sink.records.isEmpty)
        #expect(h.core.stats.refusedResults == 1)
        // Acknowledged all the same, so an honest worker stops resending it.
        #expect(acks.first?.message == .ack(Ack(trials: [t.id])))
    }
}

@Suite struct ProgressLineTests {
    @Test func theFirstLineAlreadyHasARateAndAnETA() async throws {
        let lines = Mutex<[String]>([])
        let progress = ProgressLine(live: false, plainInterval: 0, emit: { line in lines.withLock { $0.append(line) } })
        try await Task.sleep(for: .milliseconds(600))
        var s = CoordinatorStats()
        s.total = 100
        s.recorded = 30
        s.recordedThisRun = 30
        s.activeWorkers = 2
        progress.update(s)
        let first = try #require(lines.withLock { $0.first })
        #expect(first.hasPrefix("progress: 30/100 done"), "\(first)")
        #expect(!first.contains(" 0.0 trials/s") && !first.contains("ETA --"), "\(first)")
        #expect(first.contains("2 workers"))
    }
}
