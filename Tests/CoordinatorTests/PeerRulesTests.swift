import Foundation
import Logging
import Synchronization
import Store
import Sweep
import Testing
import TrialContract
import Wire
@testable import Coordinator

/// Log lines kept in memory, to count what a flood of bad input produces.
final class CapturedLog: Sendable {
    let lines = Mutex<[String]>([])

    var logger: Logger {
        Logger(label: "captured") { _ in Handler(log: self) }
    }

    var all: [String] { lines.withLock { $0 } }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            log.lines.withLock { $0.append(event.message.description) }
        }
    }
}

extension Harness {
    /// A harness whose core logs into `log`.
    init(trials n: Int, leaseSize: Int = 4, maxAttempts: Int = 3, log: CapturedLog, configure: (inout CoordinatorOptions) -> Void = { _ in }) {
        self.init(trials: n, leaseSize: leaseSize, maxAttempts: maxAttempts)
        var o = core.options
        configure(&o)
        core = CoordinatorCore(options: o, source: MemoryTrialSource(Self.trials(n), shardSize: 8), sink: sink, logger: log.logger)
    }

    /// Ticks every 0.5 s (never a gap the core would take for its own pause) up to `t`.
    mutating func advance(to t: Double) -> [CoordinatorCore.Outgoing] {
        var out: [CoordinatorCore.Outgoing] = []
        while now + 0.5 <= t {
            now += 0.5
            out += core.tick(now: now)
        }
        now = t
        return out + core.tick(now: t)
    }

    static func hello(_ name: String, jobs: Int = 1, threads: Int? = nil) -> Message {
        .hello(Hello(name: name, host: "h", cores: 1, jobs: jobs, build: "t", pid: 1, threads: threads))
    }
}

func rejects(_ out: [CoordinatorCore.Outgoing]) -> [Reject] {
    out.compactMap { if case .reject(let r) = $0.message { r } else { nil } }
}

/// What a peer may hold and claim, through `CoordinatorCore` alone (no
/// sockets, time passed in). The same rules through real sockets and a
/// scripted rogue: `RoguePeerTests`.
@Suite struct PeerRulesTests {
    @Test func aPeerHoldsNoMoreLeasesThanItsDeclaredJobsPlusPrefetch() {
        var h = Harness(trials: 400, leaseSize: 4)
        _ = h.send("greedy", Harness.hello("greedy", jobs: 2))
        let out = h.send("greedy", .ready(WorkerStatus(capacity: 4096, held: [], lastLease: 0)))
        #expect(h.leases(out).count == 3)
        // Asking again while holding them gets nothing more.
        #expect(h.leases(h.send("greedy", .ready(WorkerStatus(capacity: 4096, held: h.leases(out).map(\.leaseID), lastLease: 0)))).isEmpty)
    }

    @Test func hellosOutOfBoundsAreRefused() {
        var h = Harness(trials: 4)
        for (peer, hello) in [("p1", Harness.hello("p1", jobs: 5000)), ("p2", Harness.hello("p2", jobs: 0)),
                              ("p3", Harness.hello("p3", threads: 100_000)),
                              ("p4", .hello(Hello(name: String(repeating: "n", count: 1000), host: "h", cores: 1, jobs: 1, build: "t", pid: 1)))] {
            let out = h.send(peer, hello)
            #expect(rejects(out).count == 1 && rejects(out)[0].rehello == false, "\(peer)")
            #expect(h.leases(h.send(peer, .ready(WorkerStatus(capacity: 1, held: [], lastLease: 0)))).isEmpty)
        }
        #expect(h.core.stats.activeWorkers == 0)
    }

    @Test func aHeartbeatingPeerThatNeverReturnsResultsLosesItsLeaseAtTheDeadline() throws {
        let log = CapturedLog()
        var h = Harness(trials: 8, leaseSize: 4, log: log) { o in
            o.minLeaseSeconds = 5
            o.leaseTimeFactor = 2
        }
        let held = h.join("hoarder", capacity: 1)
        try #require(held.count == 1)
        var refused = false
        // The hoarder heartbeats every half second and never returns anything.
        while h.now < 30 && h.core.stats.revokedLeases == 0 {
            _ = h.send("hoarder", .heartbeat(WorkerStatus(capacity: 1, held: [held[0].leaseID], lastLease: held[0].leaseID)))
            let out = h.advance(to: h.now + 0.5)
            refused = refused || out.contains { $0.peer == PeerID("hoarder") && !rejects([$0]).isEmpty }
        }
        // Taken back at its deadline (5 s + 2 × the estimate), whatever the heartbeats said.
        #expect(h.now > 5 && h.now < 10, "at \(h.now)")
        #expect(refused)
        #expect(log.all.contains { $0.contains("past its deadline") })
        #expect(log.all.contains { $0.contains("hoarder@h quarantined") })
        // It gets nothing more; an honest worker gets its trials.
        #expect(h.leases(h.send("hoarder", .ready(WorkerStatus(capacity: 1, held: [], lastLease: held[0].leaseID)))).isEmpty)
        let honest = h.join("honest")
        #expect(honest.count == 1 && Set(honest[0].trials.map(\.id)).isSubset(of: Set(held[0].trials.map(\.id))))
    }

    @Test func losingWorkersThatNeverReturnedAnythingCannotQuarantineATrial() throws {
        var h = Harness(trials: 2, leaseSize: 1, maxAttempts: 3)
        let first = h.join("good")
        try #require(first.count == 1)
        func wait(_ seconds: Double) {
            for _ in 0..<Int(seconds * 2) {
                _ = h.send("good", .heartbeat(WorkerStatus(capacity: 1, held: [first[0].leaseID], lastLease: first[0].leaseID)))
                _ = h.advance(to: h.now + 0.5)
            }
        }
        // Peers in turn take the other trial and vanish without a result.
        for i in 0..<3 {
            #expect(h.join("ghost\(i)").count == 1, "ghost \(i) gets the trial")
            wait(4)  // silent past liveness × interval
        }
        #expect(h.core.stats.failedAttempts == 3)
        #expect(h.core.stats.quarantined == 0 && h.sink.records.isEmpty)
        // Past max-attempts such losses, it waits for a worker that has returned results.
        #expect(h.join("ghost3").isEmpty)
        let next = h.finish("good", first[0])
        try #require(next.count == 1)
        #expect(next[0].trials[0].attempt == 4)
        _ = h.finish("good", next[0])
        _ = h.flush()
        #expect(h.sink.records.count == 2 && h.sink.records.allSatisfy { $0.result.status == .ok })
        #expect(h.core.isComplete)
    }

    @Test func aLostWorkerIsChargedOnlyForWhatItCouldHaveBeenRunning() {
        var h = Harness(trials: 16, leaseSize: 4)
        _ = h.send("w", Harness.hello("w", jobs: 1, threads: 2))
        let got = h.leases(h.send("w", .ready(WorkerStatus(capacity: 2, held: [], lastLease: 0))))
        #expect(got.count == 2)
        _ = h.send("w", .result(Results(reports: [Harness.report(got[0], 0)])))
        _ = h.advance(to: 4)
        // Running lease: its next 2 unfinished trials (2 threads); the prefetched lease: nothing.
        #expect(h.core.stats.failedAttempts == 2)
        #expect(h.core.stats.quarantined == 0)
    }

    @Test func aPausedCoordinatorChargesNothingForItsOwnPause() {
        let log = CapturedLog()
        var h = Harness(trials: 8, leaseSize: 4, log: log)
        let lease = h.join("a")[0]
        _ = h.advance(to: 1)
        _ = h.send("a", .heartbeat(WorkerStatus(capacity: 1, held: [lease.leaseID], lastLease: lease.leaseID)))
        // No tick for 20 s (SIGSTOP, a disk stall), then the loop runs again.
        h.now = 21
        let out = h.core.tick(now: 21)
        #expect(h.leases(out).isEmpty && h.core.stats.failedAttempts == 0 && h.core.stats.activeWorkers == 1)
        #expect(h.core.stats.pauses == 1)
        #expect(log.all.contains { $0.contains("paused for 20.0 s") })
        // Liveness is re-armed, not switched off: silence after the pause still counts.
        _ = h.advance(to: 25)
        #expect(h.core.stats.activeWorkers == 0 && h.core.stats.failedAttempts == 1)
    }

    @Test func aFloodOfBadInputIsLoggedInAFewLinesWithTheCountOfTheRest() {
        let log = CapturedLog()
        let h = Harness(trials: 4, log: log)
        for i in 0..<3000 {
            _ = h.core.receive(Delivery(peer: PeerID("rogue\(i)"), frames: [Array("garbage".utf8), [1]]), now: Double(i) * 0.001)
        }
        _ = h.core.tick(now: 11)
        #expect(h.core.stats.droppedMessages == 3000)
        let dropped = log.all.filter { $0.contains("dropped message") }
        #expect(dropped.count <= 20, "\(dropped.count) lines")
        #expect(log.all.contains { $0.contains("2980 more lines like the above suppressed") }, "\(log.all.suffix(3))")
    }

    @Test func resultsOutOfBoundsAreRefusedAndNeverReachTheStore() throws {
        var h = Harness(trials: 40, leaseSize: 8, maxAttempts: 10)
        let mine = h.join("rogue", capacity: 1)
        try #require(mine.count == 1)
        let lease = mine[0]
        let other = Harness.trials(40).first { t in !lease.trials.contains { $0.id == t.id } }!
        func report(_ i: Int, _ edit: (inout TrialResultReport) -> Void) -> TrialResultReport {
            var r = Harness.report(lease, i)
            edit(&r)
            return r
        }
        let forged: [TrialResultReport] = [
            report(0) { $0.trialID = TrialID(rawValue: "not-in-the-plan") },
            report(0) { $0.trialID = TrialID(rawValue: String(repeating: "x", count: 100_000)) },
            report(0) { $0.trialID = TrialID(rawValue: "quote\"and\nnewline") },
            report(0) { $0.trialID = other.id; $0.config = other.config },  // planned, never leased to it
            report(0) { $0.config = other.config },  // trial A's id with trial B's config
            report(1) { $0.sweep = "../../etc" },
            report(2) { $0.result.stepsRun = -5 },
            report(3) { $0.result.metrics = ["train\u{0}loss": 1] },
            report(4) { $0.result.curves = ["train_loss": Curve(steps: [0, 1, 2], values: [1, 2])] },
            report(5) { $0.result.curves = ["train_loss": Curve(steps: [0, 5, 11], values: [1, 2, 3])] },
            report(6) { $0.result.metrics = ["grad_norm_hidden9": 1] },
        ]
        _ = h.send("rogue", .result(Results(reports: forged)))
        _ = h.flush()
        #expect(h.sink.records.isEmpty)
        #expect(h.core.stats.refusedResults == forged.count)
        // The leased ones that were refused count as failed attempts and run again.
        #expect(h.core.stats.failedAttempts == 7)
        // Its remaining trial (index 7) is still leased to it and accepted when right.
        _ = h.send("rogue", .result(Results(reports: [Harness.report(lease, 7)])))
        _ = h.flush()
        #expect(h.sink.records.map(\.id) == [lease.trials[7].id])
    }

    @Test func theAdmissionChecksNameWhatIsWrong() {
        var c = TrialConfig()
        c.steps = 10
        c.depth = 2
        let ok = TrainingResult(status: .ok, metrics: ["train_loss": 0.5, "grad_norm_hidden2": 1],
                                curves: ["train_loss": Curve(steps: [0, 5, 10], values: [1, 0.5, 0.25])], stepsRun: 10)
        #expect(Admission.result(ok, config: c) == nil)
        var r = ok
        r.metrics["test_loss"] = .infinity
        #expect(Admission.result(r, config: c)?.contains("not finite") == true)
        r = ok
        r.curves["train_loss"] = Curve(steps: [0, 0], values: [1, 1])
        #expect(Admission.result(r, config: c)?.contains("not increasing") == true)
        r = ok
        r.timing.seconds = -1
        #expect(Admission.result(r, config: c)?.contains("timing.seconds") == true)
        r = ok
        r.message = String(repeating: "m", count: 100_000)
        #expect(Admission.result(r, config: c)?.contains("message of 100000 bytes") == true)
        #expect(Admission.trialID(TrialID(rawValue: String(repeating: "a", count: 65))) != nil)
        #expect(Admission.trialID(TrialID(config: c)) == nil)
    }
}

/// The all-failing sweep of issue 12 (every trial fails on every worker):
/// it ends, with 1, 2 or 3 workers, every trial quarantined after
/// `maxAttempts` failed attempts.
@Suite struct FailurePolicyTests {
    @Test(arguments: [1, 2, 3])
    func anAllFailingSweepEndsWithEveryTrialQuarantined(workers: Int) {
        var h = Harness(trials: 12, leaseSize: 4, maxAttempts: 3)
        var owner: [UInt64: String] = [:]
        var queue: [Lease] = []
        for w in 0..<workers {
            for l in h.join("w\(w)", capacity: 2) { owner[l.leaseID] = "w\(w)"; queue.append(l) }
        }
        var rounds = 0
        while let lease = queue.first, rounds < 1000 {
            rounds += 1
            queue.removeFirst()
            let peer = owner[lease.leaseID]!
            var out = h.send(peer, .result(Results(reports: lease.trials.indices.map { Harness.report(lease, $0, status: .failed) })))
            for w in 0..<workers {
                out += h.send("w\(w)", .ready(WorkerStatus(capacity: 2, held: queue.filter { owner[$0.leaseID] == "w\(w)" }.map(\.leaseID),
                                                            lastLease: 0)))
            }
            for o in out { if case .lease(let l) = o.message { owner[l.leaseID] = "\(o.peer)"; queue.append(l) } }
        }
        _ = h.flush()
        #expect(h.core.isComplete, "\(workers) workers: \(h.core.stats)")
        #expect(h.sink.records.count == 12)
        #expect(h.sink.records.allSatisfy { $0.result.status == .failed && $0.result.message?.hasPrefix("quarantined after 3 failed attempts") == true })
        #expect(h.core.stats.failedAttempts == 36 && h.core.stats.failedTrials == 12)
        // With enough workers, each attempt ran on a worker the trial had not failed on.
        if workers == 3 { #expect(h.sink.records.allSatisfy { $0.attempt == 3 }) }
    }
}
