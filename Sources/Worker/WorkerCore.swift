import Foundation
import Logging
import TrialContract
import Wire

/// What the loop driving a `WorkerCore` does next, in order.
public enum WorkerAction: Sendable, Equatable {
    /// Encode and send this message to the coordinator.
    case send(Envelope)
    /// Run this lease's trials on a job thread of its own; report each trial
    /// with `trialFinished`, then the end with `jobFinished`.
    case startJob(Lease)
    /// Drop the connection and whatever is queued on it; connect afresh.
    case reconnect
    /// Call `sendFinishedResults` once the events already queued are handled,
    /// so results that finish together leave in one message.
    case sendResultsSoon
    /// The run is over.
    case exit(WorkerOutcome)
}

/// A worker's protocol logic (Paranoid Pirate on the worker side) as a state
/// machine with no I/O of its own: says hello, asks for leases up to its
/// capacity, streams each result, resends what is not acknowledged,
/// heartbeats, reconnects with capped backoff when the coordinator falls
/// silent, hands its leases back on a signal and gives up after
/// `giveUpAfter` seconds alone. Feed it frames, ticks, signals and trial
/// completions; carry out the actions it returns. Time is passed in (`now`,
/// seconds on a monotonic clock), so tests drive it without sleeping. Not
/// thread-safe: one task owns it.
public final class WorkerCore {
    private struct Unacked {
        var report: TrialResultReport
        var sentAt: Double
    }

    public let options: WorkerOptions
    let logger: Logger
    private let cores: Int
    private let pid: Int32

    // The link.
    public private(set) var welcomed = false
    /// The sweep and coordinator incarnation of the last welcome ("" and 0 before one).
    public private(set) var sweepID = ""
    public private(set) var incarnation: UInt64 = 0
    private var interval: Double
    private var liveness: Int
    private var lastHeard = 0.0
    private var lastSent = 0.0
    private var backoff: Double
    private var nextHelloAt = 0.0
    /// The coordinator's largest accepted message (from its welcome).
    private var maxMessageSize: Int?
    /// What the transport says keeps the link from coming up (a refused handshake …).
    public private(set) var linkProblem: String?

    // The work.
    private var lastLease: UInt64 = 0
    private var running: [UInt64: Lease] = [:]
    private var queued: [Lease] = []
    private var unacked: [TrialID: Unacked] = [:]
    /// First sends of finished results, waiting for `sendFinishedResults`.
    private var outbox: [TrialResultReport] = []
    private var outboxScheduled = false

    // The end.
    private var stopping: Int32?
    private var stopDeadline = 0.0
    private var sweepDone = false

    /// `cores` and `pid` go into the hello (defaults: this process's).
    public init(options: WorkerOptions, logger: Logger,
                cores: Int = ProcessInfo.processInfo.activeProcessorCount, pid: Int32 = getpid()) {
        self.options = options
        self.logger = logger
        self.cores = cores
        self.pid = pid
        interval = options.heartbeatInterval
        liveness = options.liveness
        backoff = options.initialBackoff
    }

    /// What it holds and wants; sent in `ready` and in every heartbeat.
    public var status: WorkerStatus {
        WorkerStatus(capacity: (stopping != nil || sweepDone) ? 0 : options.jobs + options.prefetch,
                     held: Array(running.keys) + queued.map(\.leaseID), lastLease: lastLease)
    }

    /// Results sent but not yet acknowledged (kept until they are).
    public var unacknowledged: Int { unacked.count }

    /// The first hello; the silence that counts towards reconnecting and giving up starts now.
    public func start(now: Double) -> [WorkerAction] {
        lastHeard = now
        lastSent = now
        nextHelloAt = now + backoff
        return [hello(now: now)]
    }

    // MARK: - Messages

    public func receive(_ frames: [[UInt8]], now: Double) -> [WorkerAction] {
        let envelope: Envelope
        do { envelope = try Codec.decode(frames) } catch {
            logger.warning("dropped message from coordinator: \(error)")
            return []
        }
        lastHeard = now
        switch envelope.message {
        case .welcome(let w):
            return welcome(w, envelope, now: now)
        case .lease(let lease):
            lastLease = max(lastLease, lease.leaseID)
            if stopping != nil || sweepDone {
                return [send(.bye(Bye(reason: "stopping", returnedLeases: [lease.leaseID])), now: now)]
            }
            queued.append(lease)
            return startJobs()
        case .ack(let ack):
            for id in ack.trials { unacked[id] = nil }
            return []
        case .heartbeat:
            return []
        case .done(let d):
            logger.info("sweep complete: \(d.recorded) trials recorded, \(d.quarantined) quarantined")
            if !options.stay { return [.exit(.done)] }
            sweepDone = true
            return []
        case .reject(let r):
            guard r.rehello else {
                logger.error("coordinator refused this worker: \(r.reason)")
                return [.exit(.refused(r.reason))]
            }
            if stopping != nil { return [] }
            welcomed = false
            nextHelloAt = now + backoff
            return [hello(now: now)]
        case .hello, .ready, .result, .bye:
            logger.warning("dropped \(envelope.message.kind) from coordinator: not a coordinator message")
            return []
        }
    }

    private func welcome(_ w: Welcome, _ envelope: Envelope, now: Double) -> [WorkerAction] {
        if !sweepID.isEmpty && envelope.sweepID != sweepID && !unacked.isEmpty {
            logger.warning("coordinator now runs sweep \(envelope.sweepID); dropping \(unacked.count) unacknowledged results of sweep \(sweepID)")
            unacked.removeAll()
        }
        if envelope.incarnation != incarnation {
            if incarnation != 0 { logger.info("coordinator restarted (new incarnation); resending \(unacked.count) unacknowledged results") }
            // Lease ids of the new incarnation start afresh.
            lastLease = 0
            // A coordinator that said `done` answers hellos with `done`: a
            // welcome after it comes from the next one (--stay serves it).
            sweepDone = false
        }
        sweepID = envelope.sweepID
        incarnation = envelope.incarnation
        interval = w.heartbeatInterval
        liveness = w.liveness
        maxMessageSize = w.maxMessageSize
        if !welcomed { logger.info("connected: sweep \(sweepID), \(w.totalTrials) trials") }
        welcomed = true
        backoff = options.initialBackoff
        var out: [WorkerAction] = []
        // A restarted coordinator has not seen them; one that has records them once.
        let all = unacked.values.map(\.report)
        for chunk in stride(from: 0, to: all.count, by: 256) {
            out += sendResults(Array(all[chunk..<min(all.count, chunk + 256)]), now: now)
        }
        for id in unacked.keys { unacked[id]?.sentAt = now }
        out.append(send(.ready(status), now: now))
        return out
    }

    // MARK: - Trials

    /// Trial `index` of lease `lease` finished at `endedAt` (wall clock).
    public func trialFinished(lease leaseID: UInt64, index: Int, result: TrainingResult, endedAt: Date,
                              now: Double) -> [WorkerAction] {
        guard let lease = running[leaseID], index >= 0, index < lease.trials.count else { return [] }
        let t = lease.trials[index]
        let report = TrialResultReport(leaseID: leaseID, trialID: t.id, sweep: t.sweep, attempt: t.attempt, config: t.config,
                                       result: result, startedAt: endedAt.addingTimeInterval(-result.timing.seconds),
                                       endedAt: endedAt)
        unacked[t.id] = Unacked(report: report, sentAt: now)
        // The coordinator that leased it knows the config; resends carry it.
        var first = report
        first.config = nil
        outbox.append(first)
        if outboxScheduled { return [] }
        outboxScheduled = true
        return [.sendResultsSoon]
    }

    /// Sends the results finished since the last call (after `.sendResultsSoon`).
    public func sendFinishedResults(now: Double) -> [WorkerAction] {
        outboxScheduled = false
        return flushOutbox(now: now)
    }

    /// Every trial of lease `lease` has been reported.
    public func jobFinished(lease leaseID: UInt64, now: Double) -> [WorkerAction] {
        // Results go before the status that no longer lists their lease.
        var out = flushOutbox(now: now)
        running[leaseID] = nil
        out += startJobs()
        if welcomed && stopping == nil && !sweepDone { out.append(send(.ready(status), now: now)) }
        return out
    }

    private func flushOutbox(now: Double) -> [WorkerAction] {
        defer { outbox.removeAll() }
        // Unwelcomed, they wait in `unacked` for the next welcome.
        guard welcomed && !outbox.isEmpty else { return [] }
        return sendResults(outbox, now: now)
    }

    private func startJobs() -> [WorkerAction] {
        var out: [WorkerAction] = []
        while running.count < options.jobs, !queued.isEmpty, stopping == nil {
            let lease = queued.removeFirst()
            running[lease.leaseID] = lease
            out.append(.startJob(lease))
        }
        return out
    }

    // MARK: - Time

    /// Ends a stop once acknowledged, reconnects a silent link with backoff,
    /// gives up when alone too long, resends results not acknowledged in
    /// time, and heartbeats an idle link.
    public func tick(now: Double) -> [WorkerAction] {
        if let s = stopping, unacked.isEmpty || now >= stopDeadline {
            if !unacked.isEmpty { logger.warning("exiting with \(unacked.count) unacknowledged results; they will run again") }
            return [.exit(.interrupted(signal: s))]
        }
        let silence = now - lastHeard
        if welcomed && silence > interval * Double(liveness) {
            logger.warning("coordinator silent for \(String(format: "%.1f", silence)) s; reconnecting")
            welcomed = false
            nextHelloAt = now
        }
        if !welcomed, !options.stay, let limit = options.giveUpAfter, silence >= limit {
            if let linkProblem {
                logger.error("could not join the coordinator for \(Int(silence)) s: \(linkProblem); giving up (--give-up-after)")
            } else {
                logger.error("no coordinator at the other end for \(Int(silence)) s; giving up (--give-up-after)")
            }
            return [.exit(.gaveUp(silentSeconds: silence))]
        }
        var out: [WorkerAction] = []
        if !welcomed && now >= nextHelloAt {
            // A fresh socket drops hellos queued on a connection that never came up.
            out.append(.reconnect)
            out.append(hello(now: now))
            nextHelloAt = now + backoff
            backoff = min(backoff * 2, options.maxBackoff)
        }
        if welcomed && stopping == nil {
            // A result lost on the wire is sent again; the coordinator records it once.
            let resendAfter = max(1, interval * Double(liveness))
            let stale = unacked.values.filter { now - $0.sentAt > resendAfter }.map(\.report)
            if !stale.isEmpty {
                out += sendResults(stale, now: now)
                for r in stale { unacked[r.trialID]?.sentAt = now }
            }
            if now - lastSent >= interval { out.append(send(.heartbeat(status), now: now)) }
        }
        return out
    }

    // MARK: - Ending

    /// SIGTERM/SIGINT: hand back every lease not finished and wait up to
    /// `ackGrace` seconds for the acknowledgements of results already sent; a
    /// second signal ends the run at once.
    public func signal(_ number: Int32, now: Double) -> [WorkerAction] {
        if stopping != nil {
            logger.warning("second signal: exiting now")
            return [.exit(.interrupted(signal: number))]
        }
        stopping = number
        stopDeadline = now + options.ackGrace
        let returned = Array(running.keys) + queued.map(\.leaseID)
        queued.removeAll()
        running.removeAll()
        logger.info("signal \(number): handing back \(returned.count) leases, waiting for acknowledgements")
        guard welcomed else { return [] }
        return [send(.bye(Bye(reason: "signal \(number)", returnedLeases: returned)), now: now)]
    }

    /// What the transport says about a link that does not come up (nil: nothing
    /// known). The transport logs it when it changes; it names the cause when
    /// the worker gives up.
    public func noteLinkProblem(_ text: String?) {
        linkProblem = text
    }

    /// The transport's stream ended: nothing more will arrive.
    public func transportClosed() -> [WorkerAction] {
        [.exit(.refused("transport closed"))]
    }

    // MARK: - Sending

    private func send(_ message: Message, now: Double) -> WorkerAction {
        lastSent = now
        return .send(Envelope(sweepID: sweepID, incarnation: incarnation, message: message))
    }

    private func hello(now: Double) -> WorkerAction {
        send(.hello(Hello(name: options.name, host: options.host, cores: cores, jobs: options.jobs,
                          build: options.build, pid: pid, blas: options.blas, threads: options.threadsPerJob)), now: now)
    }

    /// At least the bytes `report` takes in a `result` body (every number at
    /// its longest, every character escaped), without encoding it.
    static func boundOnEncodedBytes(_ r: TrialResultReport) -> Int {
        var n = 512 + 6 * (r.trialID.rawValue.utf8.count + r.sweep.utf8.count + (r.result.message?.utf8.count ?? 0))
        if let c = r.config { n += 4096 + 24 * c.namedSteps.count + 6 * (c.dataFile?.utf8.count ?? 0) + 6 * c.train.utf8.count }
        for name in r.result.metrics.keys { n += 32 + 6 * name.utf8.count }
        for (name, c) in r.result.curves { n += 32 + 6 * name.utf8.count + 48 * max(c.steps.count, c.values.count) }
        return n
    }

    /// `reports` in as many `result` messages as it takes to stay below the
    /// coordinator's message size. A single result larger than that can
    /// never be delivered: it goes as a failed result saying so.
    private func sendResults(_ reports: [TrialResultReport], now: Double) -> [WorkerAction] {
        guard !reports.isEmpty else { return [] }
        guard let max = maxMessageSize else { return [send(.result(Results(reports: reports)), now: now)] }
        let limit = max - 1024  // the header frame and some slack
        // Nearly always far below the limit: only a batch that might not be is encoded to measure it.
        if reports.reduce(0, { $0 + Self.boundOnEncodedBytes($1) }) <= limit { return [send(.result(Results(reports: reports)), now: now)] }
        let size = (try? Codec.encode(Envelope(sweepID: sweepID, incarnation: incarnation, message: .result(Results(reports: reports)))))
            .map { $0.reduce(0) { $0 + $1.count } } ?? 0
        if size <= limit { return [send(.result(Results(reports: reports)), now: now)] }
        if reports.count > 1 {
            let half = reports.count / 2
            return sendResults(Array(reports[..<half]), now: now) + sendResults(Array(reports[half...]), now: now)
        }
        var r = reports[0]
        logger.error("the result of trial \(r.trialID.short) is \(size) bytes, more than the coordinator accepts (\(max)); sending it as failed")
        r.result = TrainingResult(status: .failed, message: "result of \(size) bytes exceeds the coordinator's --max-message-size (\(max))",
                                  stepsRun: 0, timing: r.result.timing)
        unacked[r.trialID]?.report.result = r.result
        return [send(.result(Results(reports: [r])), now: now)]
    }
}
