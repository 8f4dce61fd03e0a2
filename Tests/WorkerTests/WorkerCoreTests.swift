import Foundation
import Logging
import TrialContract
import Testing
import Wire
import Worker

/// A `WorkerCore` and a make-believe coordinator: messages go in through the
/// real codec, time is a number, and what comes out is inspected. No sockets,
/// no threads, no sleeping.
struct Link {
    static let sweep = "sweep-w"
    static let incarnation: UInt64 = 42
    let core: WorkerCore
    var now = 0.0

    static func options(jobs: Int = 1, stay: Bool = false, giveUpAfter: Double? = 900) -> WorkerOptions {
        var o = WorkerOptions(name: "w1", host: "h1")
        o.jobs = jobs
        o.prefetch = 1
        o.stay = stay
        o.giveUpAfter = giveUpAfter
        o.initialBackoff = 0.5
        o.maxBackoff = 2
        o.ackGrace = 3
        o.build = "test"
        o.blas = "OpenBLAS Test"
        return o
    }

    init(_ options: WorkerOptions = Link.options()) {
        core = WorkerCore(options: options, logger: Logger(label: "worker-test"), cores: 8, pid: 1234)
    }

    /// Starts, is welcomed (interval 1 s, liveness 2) and returns what the welcome produced.
    @discardableResult
    mutating func connect(sweep: String = Link.sweep, incarnation: UInt64 = Link.incarnation) -> [WorkerAction] {
        _ = core.start(now: now)
        return welcome(sweep: sweep, incarnation: incarnation)
    }

    mutating func welcome(sweep: String = Link.sweep, incarnation: UInt64 = Link.incarnation) -> [WorkerAction] {
        receive(.welcome(Welcome(heartbeatInterval: 1, liveness: 2, totalTrials: 100)), sweep: sweep, incarnation: incarnation)
    }

    func receive(_ m: Message, sweep: String = Link.sweep, incarnation: UInt64 = Link.incarnation) -> [WorkerAction] {
        core.receive(try! Codec.encode(Envelope(sweepID: sweep, incarnation: incarnation, message: m)), now: now)
    }

    /// Takes lease `id` and sends the results of its trials (none acknowledged yet).
    @discardableResult
    func sendResults(lease id: UInt64, trials: Int = 1) -> Lease {
        let lease = Link.lease(id, trials: trials)
        _ = receive(.lease(lease))
        for i in 0..<trials { _ = finish(lease, i) }
        _ = core.sendFinishedResults(now: now)
        return lease
    }

    func finish(_ lease: Lease, _ index: Int, seconds: Double = 2) -> [WorkerAction] {
        core.trialFinished(lease: lease.leaseID, index: index, result: Self.result(seconds: seconds),
                           endedAt: Date(timeIntervalSince1970: 1000), now: now)
    }

    static func result(seconds: Double) -> TrainingResult {
        TrainingResult(status: .ok, metrics: ["train_loss": 0.5], stepsRun: 10, timing: Timing(seconds: seconds))
    }

    static func lease(_ id: UInt64, trials: Int = 2) -> Lease {
        Lease(leaseID: id, expiresIn: 2, trials: (0..<trials).map { i in
            var c = TrialConfig()
            c.seed = id * 100 + UInt64(i)
            return LeasedTrial(id: TrialID(rawValue: "t\(id)-\(i)"), sweep: "s", attempt: 1, config: c)
        })
    }
}

// What came out, by kind.
func envelopes(_ actions: [WorkerAction]) -> [Envelope] {
    actions.compactMap { if case .send(let e) = $0 { e } else { nil } }
}
func messages(_ actions: [WorkerAction]) -> [Message] { envelopes(actions).map(\.message) }
func kinds(_ actions: [WorkerAction]) -> [MessageKind] { messages(actions).map(\.kind) }
func reports(_ actions: [WorkerAction]) -> [TrialResultReport] {
    messages(actions).flatMap { m -> [TrialResultReport] in if case .result(let r) = m { r.reports } else { [] } }
}
func statuses(_ actions: [WorkerAction]) -> [WorkerStatus] {
    messages(actions).compactMap {
        switch $0 {
        case .ready(let s): s
        case .heartbeat(let s): s
        default: nil
        }
    }
}
func byes(_ actions: [WorkerAction]) -> [Bye] {
    messages(actions).compactMap { if case .bye(let b) = $0 { b } else { nil } }
}
func started(_ actions: [WorkerAction]) -> [UInt64] {
    actions.compactMap { if case .startJob(let l) = $0 { l.leaseID } else { nil } }
}
func exits(_ actions: [WorkerAction]) -> [WorkerOutcome] {
    actions.compactMap { if case .exit(let o) = $0 { o } else { nil } }
}
func reconnects(_ actions: [WorkerAction]) -> Int {
    actions.filter { $0 == .reconnect }.count
}

@Suite struct ConnectionTests {
    @Test func saysHelloThenAsksForItsCapacityOnceWelcomed() throws {
        let link = Link(Link.options(jobs: 2))
        let first = link.core.start(now: 0)
        let hello = try #require(envelopes(first).first)
        #expect(first.count == 1)
        #expect(hello.sweepID == "" && hello.incarnation == 0, "no sweep known before the first welcome")
        #expect(hello.message == .hello(Hello(name: "w1", host: "h1", cores: 8, jobs: 2, build: "test", pid: 1234, blas: "OpenBLAS Test", threads: 1)))

        let welcomed = link.receive(.welcome(Welcome(heartbeatInterval: 1, liveness: 2, totalTrials: 100)))
        #expect(kinds(welcomed) == [.ready])
        #expect(envelopes(welcomed)[0].sweepID == Link.sweep && envelopes(welcomed)[0].incarnation == Link.incarnation)
        #expect(statuses(welcomed) == [WorkerStatus(capacity: 3, held: [], lastLease: 0)], "jobs + 1 prefetched")
        #expect(link.core.welcomed)
    }

    @Test func runsLeasesUpToItsJobsAndHoldsTheRestAsPrefetch() {
        var link = Link()
        link.connect()
        let l1 = Link.lease(1), l2 = Link.lease(2)
        #expect(link.receive(.lease(l1)) == [.startJob(l1)])
        #expect(link.receive(.lease(l2)).isEmpty, "one job: the second lease waits")
        #expect(Set(link.core.status.held) == [1, 2] && link.core.status.lastLease == 2 && link.core.status.capacity == 2)

        link.now = 0.5
        let done = link.core.jobFinished(lease: 1, now: link.now)
        #expect(started(done) == [2])
        #expect(statuses(done) == [WorkerStatus(capacity: 2, held: [2], lastLease: 2)], "credit for one more lease")
    }

    @Test func heartbeatsAnIdleLinkWithItsStatus() {
        var link = Link()
        link.connect()
        _ = link.receive(.lease(Link.lease(7)))
        link.now = 0.9
        #expect(link.core.tick(now: link.now).isEmpty, "sent something less than an interval ago")
        link.now = 1.0
        #expect(statuses(link.core.tick(now: link.now)) == [WorkerStatus(capacity: 2, held: [7], lastLease: 7)])
        link.now = 1.5
        #expect(link.core.tick(now: link.now).isEmpty)
        // Before a welcome there is no one to heartbeat.
        let lone = Link()
        _ = lone.core.start(now: 0)
        #expect(kinds(lone.core.tick(now: 0.25)).isEmpty)
    }

    @Test func reconnectsWhenTheCoordinatorFallsSilentWithDoublingCappedBackoff() {
        var link = Link()
        link.connect()
        var helloTimes: [Double] = []
        // Ticks every 1/8 s (exact in binary); the coordinator says nothing after its welcome.
        for k in 1...64 {
            link.now = Double(k) / 8
            let out = link.core.tick(now: link.now)
            if reconnects(out) > 0 {
                #expect(out.first == .reconnect && kinds(out) == [.hello], "a fresh socket, then hello")
                helloTimes.append(link.now)
            }
        }
        // Silence > 1 s × liveness 2, then backoff 0.5, 1, 2, 2 (capped).
        #expect(helloTimes == [2.125, 2.625, 3.625, 5.625, 7.625])
        #expect(!link.core.welcomed)

        // Welcomed again: the backoff starts over.
        link.now = 8
        _ = link.welcome()
        var again: [Double] = []
        for k in 65...128 {
            link.now = Double(k) / 8
            if reconnects(link.core.tick(now: link.now)) > 0 { again.append(link.now) }
        }
        #expect(again.prefix(2) == [10.125, 10.625])
    }

    @Test func anyMessageFromTheCoordinatorKeepsTheLinkUp() {
        var link = Link()
        link.connect()
        for k in 1...40 {
            link.now = Double(k) / 4
            if k % 4 == 0 { _ = link.receive(.heartbeat(nil)) }
            #expect(reconnects(link.core.tick(now: link.now)) == 0)
        }
    }

    @Test func garbageIsDroppedAndIsNoSignOfLife() {
        var link = Link()
        link.connect()
        link.now = 1.5
        #expect(link.core.receive([[1, 2, 3]], now: link.now).isEmpty)
        #expect(link.core.receive([Array("OSWP".utf8)], now: link.now).isEmpty)
        link.now = 2.25
        #expect(reconnects(link.core.tick(now: link.now)) == 1, "silent since the welcome at 0")
    }

    @Test func rejectWithRehelloIntroducesItselfAgainAndOtherwiseEndsTheRun() {
        var link = Link()
        link.connect()
        let again = link.receive(.reject(Reject(reason: "unknown worker; send hello", rehello: true)))
        #expect(kinds(again) == [.hello] && !link.core.welcomed)
        #expect(exits(link.receive(.reject(Reject(reason: "quarantined", rehello: false)))) == [.refused("quarantined")])
    }

    @Test func aClosedTransportEndsTheRun() {
        let link = Link()
        _ = link.core.start(now: 0)
        #expect(exits(link.core.transportClosed()) == [.refused("transport closed")])
    }
}

@Suite struct ResultTests {
    @Test func resultsFinishingTogetherLeaveInOneMessageWithoutTheirConfig() throws {
        var link = Link()
        link.connect()
        let lease = Link.lease(3, trials: 3)
        _ = link.receive(.lease(lease))
        #expect(link.finish(lease, 0) == [.sendResultsSoon])
        #expect(link.finish(lease, 1).isEmpty, "already scheduled")
        let sent = link.core.sendFinishedResults(now: link.now)
        #expect(kinds(sent) == [.result])
        let r = reports(sent)
        #expect(r.map(\.trialID) == [TrialID(rawValue: "t3-0"), TrialID(rawValue: "t3-1")])
        #expect(r.allSatisfy { $0.config == nil && $0.leaseID == 3 && $0.sweep == "s" && $0.attempt == 1 })
        #expect(r[0].endedAt.timeIntervalSince(r[0].startedAt) == 2, "started = ended − training time")
        #expect(link.core.unacknowledged == 2)
        #expect(link.finish(lease, 2) == [.sendResultsSoon], "a new batch after the last went out")
        // Out of range or unknown: ignored.
        #expect(link.finish(lease, 9).isEmpty && link.finish(Link.lease(99), 0).isEmpty)
    }

    @Test func resultsGoBeforeTheStatusThatNoLongerListsTheirLease() {
        var link = Link()
        link.connect()
        let lease = Link.lease(4, trials: 1)
        _ = link.receive(.lease(lease))
        _ = link.finish(lease, 0)
        let out = link.core.jobFinished(lease: 4, now: link.now)
        #expect(kinds(out) == [.result, .ready])
        #expect(statuses(out).first?.held == [])
        #expect(link.core.sendFinishedResults(now: link.now).isEmpty, "nothing left for the scheduled send")
    }

    @Test func unacknowledgedResultsAreResentWithTheirConfigUntilAcknowledged() {
        var link = Link()
        link.connect()
        let lease = link.sendResults(lease: 5)
        var resends: [Double] = []
        for k in 1...40 {
            link.now = Double(k) / 4
            _ = link.receive(.heartbeat(nil))
            let r = reports(link.core.tick(now: link.now))
            if !r.isEmpty {
                #expect(r.map(\.trialID) == [TrialID(rawValue: "t5-0")] && r[0].config == lease.trials[0].config)
                resends.append(link.now)
            }
            if k == 24 { _ = link.receive(.ack(Ack(trials: [TrialID(rawValue: "t5-0")]))) }
        }
        // Resent after max(1 s, interval × liveness = 2 s) without an ack; never after the ack at 6 s.
        #expect(resends == [2.25, 4.5])
        #expect(link.core.unacknowledged == 0)
    }

    @Test func aRestartedCoordinatorGetsEveryUnacknowledgedResultAgain() {
        var link = Link()
        link.connect()
        let lease = link.sendResults(lease: 6, trials: 2)
        _ = link.receive(.ack(Ack(trials: [TrialID(rawValue: "t6-0")])))

        link.now = 0.5
        let welcomed = link.welcome(incarnation: Link.incarnation + 1)
        #expect(kinds(welcomed) == [.result, .ready], "results first, then the status")
        let r = reports(welcomed)
        #expect(r.map(\.trialID) == [TrialID(rawValue: "t6-1")] && r[0].config == lease.trials[1].config,
                "with its config: the new coordinator does not know the lease")
        #expect(envelopes(welcomed).allSatisfy { $0.incarnation == Link.incarnation + 1 })
        #expect(statuses(welcomed).first?.lastLease == 0, "lease ids start over with the new incarnation")
        #expect(statuses(welcomed).first?.held == [6], "the running job continues")
    }

    @Test func resultsOfTrialsFinishingWhileDisconnectedGoOutOnceWelcomed() {
        var link = Link()
        link.connect()
        let lease = Link.lease(8, trials: 1)
        _ = link.receive(.lease(lease))
        link.now = 2.5
        #expect(reconnects(link.core.tick(now: link.now)) == 1)
        _ = link.finish(lease, 0)
        #expect(link.core.sendFinishedResults(now: link.now).isEmpty, "nobody to send to")
        let welcomed = link.welcome()
        #expect(reports(welcomed).map(\.trialID) == [TrialID(rawValue: "t8-0")])
    }

    @Test func aCoordinatorOfAnotherSweepDoesNotGetTheOldSweepsResults() {
        var link = Link()
        link.connect()
        link.sendResults(lease: 9)
        let welcomed = link.welcome(sweep: "another-sweep", incarnation: 7)
        #expect(kinds(welcomed) == [.ready])
        #expect(link.core.unacknowledged == 0 && link.core.sweepID == "another-sweep")
    }
}

@Suite struct EndingTests {
    @Test func aSignalHandsBackEveryUnfinishedLeaseAndWaitsForAcknowledgements() {
        var link = Link()
        link.connect()
        link.sendResults(lease: 1)
        _ = link.receive(.lease(Link.lease(2)))

        let stop = link.core.signal(15, now: link.now)
        #expect(byes(stop).count == 1 && Set(byes(stop)[0].returnedLeases) == [1, 2])
        #expect(link.core.status == WorkerStatus(capacity: 0, held: [], lastLease: 2))
        // A lease that crosses the bye goes straight back.
        let late = link.receive(.lease(Link.lease(3)))
        #expect(started(late).isEmpty && byes(late).map(\.returnedLeases) == [[3]])
        #expect(kinds(link.core.jobFinished(lease: 1, now: link.now)).isEmpty, "no ready while stopping")
        #expect(link.receive(.reject(Reject(reason: "send hello", rehello: true))).isEmpty, "no new hello while stopping")

        link.now = 1
        #expect(link.core.tick(now: link.now).isEmpty, "waits for the acknowledgement; no heartbeat")
        _ = link.receive(.ack(Ack(trials: [TrialID(rawValue: "t1-0")])))
        #expect(exits(link.core.tick(now: link.now)) == [.interrupted(signal: 15)])
    }

    @Test func theWaitForAcknowledgementsEndsAfterTheGracePeriodOrASecondSignal() {
        var link = Link()
        link.connect()
        link.sendResults(lease: 1)
        _ = link.core.signal(2, now: 0)
        #expect(exits(link.core.tick(now: 2.9)).isEmpty)
        #expect(exits(link.core.tick(now: 3)) == [.interrupted(signal: 2)], "ackGrace 3 s")

        var twice = Link()
        twice.connect()
        twice.sendResults(lease: 1)
        _ = twice.core.signal(15, now: 0)
        #expect(exits(twice.core.signal(15, now: 0.1)) == [.interrupted(signal: 15)])
    }

    @Test func aSignalBeforeAnyWelcomeSendsNoBye() {
        let link = Link()
        _ = link.core.start(now: 0)
        #expect(link.core.signal(15, now: 0).isEmpty)
        #expect(exits(link.core.tick(now: 0.1)) == [.interrupted(signal: 15)], "nothing to wait for")
    }

    @Test func givesUpAfterGiveUpAfterSecondsWithoutACoordinator() {
        func firstExit(_ options: WorkerOptions, welcomedAt: Double? = nil) -> (Double, WorkerOutcome)? {
            var link = Link(options)
            _ = link.core.start(now: 0)
            for k in 1...400 {
                link.now = Double(k) / 4
                if link.now == welcomedAt { _ = link.welcome() }
                if let o = exits(link.core.tick(now: link.now)).first { return (link.now, o) }
            }
            return nil
        }
        let alone = firstExit(Link.options(giveUpAfter: 10))
        #expect(alone?.0 == 10 && alone?.1 == .gaveUp(silentSeconds: 10))
        // Counted from the last message heard, not from the start.
        #expect(firstExit(Link.options(giveUpAfter: 10), welcomedAt: 5)?.0 == 15)
        #expect(firstExit(Link.options(giveUpAfter: nil)) == nil, "0 = never")
        #expect(firstExit(Link.options(stay: true, giveUpAfter: 10)) == nil, "ignored with --stay")
    }

    @Test func doneEndsTheRunUnlessItStays() {
        var link = Link()
        link.connect()
        #expect(exits(link.receive(.done(Done(recorded: 10, quarantined: 0)))) == [.done])

        var staying = Link(Link.options(stay: true))
        staying.connect()
        _ = staying.receive(.lease(Link.lease(1)))
        #expect(staying.receive(.done(Done(recorded: 10, quarantined: 0))).isEmpty)
        #expect(staying.core.status.capacity == 0, "no more work wanted")
        #expect(byes(staying.receive(.lease(Link.lease(2)))).map(\.returnedLeases) == [[2]])
        #expect(kinds(staying.core.jobFinished(lease: 1, now: 0)).isEmpty, "no ready after done")
        // Still there for the next coordinator: it reconnects rather than giving up…
        var reconnected = 0
        for k in 1...200 {
            staying.now = Double(k)
            let out = staying.core.tick(now: staying.now)
            reconnected += reconnects(out)
            #expect(exits(out).isEmpty)
        }
        #expect(reconnected > 0)
        // … and asks the next coordinator (a new incarnation) for work again.
        let next = staying.welcome(sweep: "next-sweep", incarnation: Link.incarnation + 1)
        #expect(statuses(next).map(\.capacity) == [2])
        #expect(started(staying.receive(.lease(Link.lease(1)), sweep: "next-sweep", incarnation: Link.incarnation + 1)) == [1])
    }

    @Test func whenTheHandshakeIsRefusedItSaysSoInsteadOfNoCoordinator() {
        var link = Link(Link.options(giveUpAfter: 2))
        _ = link.core.start(now: 0)
        link.core.noteLinkProblem("the coordinator at tcp://x refused the handshake (status 400)")
        link.now = 2
        #expect(exits(link.core.tick(now: 2)) == [.gaveUp(silentSeconds: 2)])
        #expect(link.core.linkProblem?.contains("refused the handshake") == true)
    }
}

@Suite struct MessageSizeTests {
    /// The coordinator's welcome states its message limit; result batches stay below it.
    @Test func resultBatchesAreSplitBelowTheCoordinatorsMessageSize() throws {
        let link = Link()
        _ = link.core.start(now: 0)
        _ = link.receive(.welcome(Welcome(heartbeatInterval: 1, liveness: 2, totalTrials: 100, maxMessageSize: 8192)))
        let lease = Link.lease(1, trials: 40)
        _ = link.receive(.lease(lease))
        var big = Link.result(seconds: 1)
        big.curves["train_loss"] = Curve(steps: Array(0..<20), values: (0..<20).map { Double($0) / 3 })
        for i in 0..<40 {
            _ = link.core.trialFinished(lease: 1, index: i, result: big, endedAt: Date(timeIntervalSince1970: 1000), now: 0)
        }
        let sent = envelopes(link.core.sendFinishedResults(now: 0))
        #expect(sent.count > 1)
        var reports = 0
        for e in sent {
            let size = try Codec.encode(e).reduce(0) { $0 + $1.count }
            #expect(size <= 8192)
            if case .result(let r) = e.message { reports += r.reports.count }
        }
        #expect(reports == 40)
    }

    @Test func aResultTooLargeForTheCoordinatorGoesAsFailedSayingSo() throws {
        let link = Link()
        _ = link.core.start(now: 0)
        _ = link.receive(.welcome(Welcome(heartbeatInterval: 1, liveness: 2, totalTrials: 100, maxMessageSize: 4096)))
        _ = link.receive(.lease(Link.lease(1, trials: 1)))
        var huge = Link.result(seconds: 1)
        huge.curves["train_loss"] = Curve(steps: Array(0..<2000), values: (0..<2000).map { Double($0) })
        _ = link.core.trialFinished(lease: 1, index: 0, result: huge, endedAt: Date(timeIntervalSince1970: 1000), now: 0)
        let sent = envelopes(link.core.sendFinishedResults(now: 0))
        guard case .result(let r) = try #require(sent.first).message else { Issue.record("no result"); return }
        #expect(r.reports.count == 1 && r.reports[0].result.status == .failed)
        #expect(r.reports[0].result.message?.contains("exceeds the coordinator's --max-message-size") == true)
    }
}
