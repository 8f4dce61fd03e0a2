import DequeModule
import Foundation
import Logging
import Store
import Sweep
import TrialContract
import Wire

/// The coordinator's logic as a state machine with no I/O of its own: feed it
/// deliveries and clock ticks, send what it returns. Time is passed in
/// (`now`, seconds on a monotonic clock), so tests drive leases and
/// heartbeats without sleeping. Not thread-safe: one task owns it.
///
/// Peers are not trusted (docs/protocol.md, "Failures and quarantine" and
/// "What the coordinator accepts"): a peer holds at most the leases its hello
/// declared, each until a hard deadline; a result counts only for a trial
/// leased to its sender and within bounds (`Admission`); what a peer can make
/// it log is rate-limited.
public final class CoordinatorCore {
    public struct Outgoing: Sendable, Equatable {
        public var peer: PeerID
        public var message: Message
    }

    /// A trial waiting for, or holding, a lease.
    struct Pending {
        var trial: Trial
        /// Groups trials that share shapes (the source shard it came from).
        var group: Int
        /// Estimated seconds to train it (the plan's cost model), for lease deadlines.
        var estimate: Double
        /// Leases so far, earlier runs included (the record's `attempt`).
        var leases = 0
        /// Failed attempts with evidence: failed results, losses of workers that had returned results.
        var failures = 0
        /// Losses of workers that never returned a result (a rogue, or a worker that died at once).
        var unproven = 0
        var failedOn: Set<String> = []
        /// Leased alone from now on: it was running when its worker was lost.
        var isolated = false
        var lastFailure: TrainingResult?
    }

    struct LeaseState {
        var peer: PeerID
        var grantedAt: Double
        /// Hard end, whatever the heartbeats say.
        var deadline: Double
        /// Trials in lease order (the order the worker runs them).
        var order: [TrialID]
        var remaining: [TrialID: Pending]
    }

    struct WorkerState {
        var hello: Hello
        var key: String?
        var lastSeen: Double
        var lastSent: Double
        /// Leases it wants to hold at once (from its last status).
        var capacity = 0
        /// Leases it reported holding that this incarnation did not grant (pre-restart or revoked work).
        var foreignLeases = 0
        var leases: Set<UInt64> = []
        /// Results accepted from it (any status): a worker with none is unproven.
        var accepted = 0
        /// Deadlines missed since its last accepted result.
        var deadlineMisses = 0
        var consecutiveFailures = 0
        /// `successSerial` when the current failure streak began.
        var streakStart = 0
        var label: String { "\(hello.name)@\(hello.host)" }
    }

    public let options: CoordinatorOptions
    let source: any TrialSource
    let sink: any ResultSink
    let logger: Logger

    var workers: [PeerID: WorkerState] = [:]
    /// Connected, not quarantined workers by label (a label can repeat).
    var liveLabels: [String: Int] = [:]
    var leases: [UInt64: LeaseState] = [:]
    var nextLeaseID: UInt64
    /// Trials to lease again, grouped by shard so a lease still shares shapes.
    var retry: [Int: Deque<Pending>] = [:]
    var retryOrder: Deque<Int> = []
    /// The current source shard, not yet fully leased.
    var fresh: Deque<Pending> = []
    var freshGroup = 0
    var sourceExhausted = false
    /// The source had nothing ready (a halving rung waits for results): ask it again after the next result.
    var sourceWaiting = false
    var pendingAcks: [PeerID: [TrialID]] = [:]
    var quarantinedPeers: Set<PeerID> = []
    var successSerial = 0
    /// Log budgets: bad input (drops, refusals), and peers coming and going.
    var logLimit = LogLimiter()
    var peerLogLimit = LogLimiter(burst: 100, window: 10)
    var lastTick: Double?
    var counters = CoordinatorStats()
    /// The counters, with the trials in flight counted now (on demand: a
    /// count kept up to date on every result would cost O(leases) per result).
    public var stats: CoordinatorStats {
        var s = counters
        s.trialsInFlight = leases.values.reduce(0) { $0 + $1.remaining.count }
        return s
    }
    public private(set) var unflushed = 0
    /// No new leases (shutdown in progress).
    public var draining = false
    var doneSent = false
    /// BLAS kernels seen in workers' hellos, each with the first worker that had them.
    var blasKernels: [String: String] = [:]

    /// `alreadyRecorded`: how many of the source's trials the sink holds
    /// (default: all its records), so counters never exceed the plan when
    /// the file also holds trials of an earlier spec revision.
    public init(options: CoordinatorOptions, source: any TrialSource, sink: any ResultSink, logger: Logger,
                alreadyRecorded: Int? = nil) {
        self.options = options
        self.source = source
        self.sink = sink
        self.logger = logger
        counters.total = source.totalTrials
        counters.recorded = alreadyRecorded ?? sink.recordedCount
        counters.keptFailures = sink.keptFailures
        // Lease ids of different incarnations must not collide in a worker that outlives one.
        nextLeaseID = (options.incarnation & 0xff_ffff) << 32 + 1
    }

    /// Every trial recorded (ok, diverged, failed or quarantined) and flushed.
    public var isComplete: Bool {
        sourceExhausted && fresh.isEmpty && retryOrder.isEmpty && leases.isEmpty && unflushed == 0
    }

    /// Leases still out (a graceful shutdown waits for them).
    public var hasLeases: Bool { !leases.isEmpty }

    // MARK: - Messages

    public func receive(_ delivery: Delivery, now: Double) -> [Outgoing] {
        let envelope: Envelope
        do {
            envelope = try Codec.decode(delivery.frames)
        } catch {
            drop(delivery.peer, "\(error)", now: now)
            if let e = error as? WireError, e.code == .version {
                return [Outgoing(peer: delivery.peer, message: .reject(Reject(
                    reason: "\(e.message); upgrade the worker", rehello: false)))]
            }
            return []
        }
        let peer = delivery.peer
        if case .hello(let hello) = envelope.message {
            return welcome(peer, hello, key: delivery.authenticatedKey, now: now)
        }
        guard workers[peer] != nil else {
            if case .bye = envelope.message { return [] }
            // Typically a worker of the previous incarnation: ask it to introduce itself.
            return [Outgoing(peer: peer, message: .reject(Reject(reason: "unknown worker; send hello", rehello: true)))]
        }
        workers[peer]?.lastSeen = now
        guard envelope.sweepID == options.sweepID else {
            drop(peer, "\(envelope.message.kind) for sweep '\(LogText.clean(envelope.sweepID))', this is '\(options.sweepID)'", now: now)
            return [Outgoing(peer: peer, message: .reject(Reject(reason: "wrong sweep id; send hello", rehello: true)))]
        }
        var out: [Outgoing] = []
        switch envelope.message {
        case .ready(let status):
            out += reconcile(peer, status, now: now)
            out += dispatch(to: peer, now: now)
        case .result(let batch):
            for report in batch.reports { out += record(report, from: peer, now: now) }
        case .heartbeat(let status):
            if let status { out += reconcile(peer, status, now: now) }
        case .bye(let bye):
            out += farewell(peer, bye, now: now)
        case .hello, .welcome, .lease, .ack, .done, .reject:
            drop(peer, "\(envelope.message.kind) is not a worker message", now: now)
        }
        return out
    }

    /// A line about bad input from a peer, within the global log budget.
    func warnLimited(_ message: @autoclosure () -> String, now: Double) {
        if let summary = logLimit.summary(now: now) { logger.warning("\(summary)") }
        if logLimit.admit(now: now) { logger.warning("\(message())") }
    }

    /// A line about a worker joining, leaving or being lost, within its own budget
    /// (a rogue can invent any number of workers).
    func notePeer(_ message: @autoclosure () -> String, warning: Bool = true, now: Double) {
        if let summary = peerLogLimit.summary(now: now) { logger.warning("\(summary)") }
        guard peerLogLimit.admit(now: now) else { return }
        if warning { logger.warning("\(message())") } else { logger.info("\(message())") }
    }

    func drop(_ peer: PeerID, _ why: String, now: Double) {
        counters.droppedMessages += 1
        warnLimited("dropped message from peer \(LogText.clean(peer.description)): \(why)", now: now)
    }

    private func welcome(_ peer: PeerID, _ hello: Hello, key: String?, now: Double) -> [Outgoing] {
        let label = "\(LogText.clean(hello.name))@\(LogText.clean(hello.host))"
        if quarantinedPeers.contains(peer) {
            return [Outgoing(peer: peer, message: .reject(Reject(reason: "worker \(label) is quarantined", rehello: false)))]
        }
        if let why = Admission.hello(hello, maxJobs: options.maxJobs) {
            drop(peer, why, now: now)
            return [Outgoing(peer: peer, message: .reject(Reject(reason: why, rehello: false)))]
        }
        if doneSent {
            // Late (it was away when `done` went out): nothing left to lease.
            return [Outgoing(peer: peer, message: .done(Done(recorded: counters.recorded, quarantined: counters.quarantined)))]
        }
        if var w = workers[peer] {
            // Reconnected: it keeps its leases; its next status says what it holds.
            removeLabel(w.label)
            w.hello = hello
            w.lastSeen = now
            workers[peer] = w
            addLabel(w.label)
        } else {
            guard workers.count < options.maxWorkers else {
                drop(peer, "hello beyond \(options.maxWorkers) connected workers", now: now)
                return [Outgoing(peer: peer, message: .reject(Reject(reason: "the coordinator has \(options.maxWorkers) workers already", rehello: false)))]
            }
            let w = WorkerState(hello: hello, key: key, lastSeen: now, lastSent: now, streakStart: successSerial)
            workers[peer] = w
            addLabel(w.label)
            notePeer("worker \(label) joined (peer \(LogText.clean(peer.description)), \(hello.jobs) jobs, \(hello.cores) cores, build \(LogText.clean(hello.build))\(hello.blas.map { ", \(LogText.clean($0))" } ?? "")\(key.map { ", key \($0)" } ?? ""))", warning: false, now: now)
            noteKernels(hello.blas.map { LogText.clean($0) }, worker: label)
        }
        counters.activeWorkers = workers.count
        return [Outgoing(peer: peer, message: .welcome(Welcome(
            heartbeatInterval: options.heartbeatInterval, liveness: options.liveness, totalTrials: counters.total,
            maxMessageSize: options.maxMessageSize)))]
    }

    func addLabel(_ label: String) { liveLabels[label, default: 0] += 1 }

    func removeLabel(_ label: String) {
        guard let n = liveLabels[label] else { return }
        liveLabels[label] = n > 1 ? n - 1 : nil
    }

    /// Warns once per new kind of BLAS kernels: a trial's numbers are
    /// bit-identical only between workers that run the same kernels.
    private func noteKernels(_ kernels: String?, worker: String) {
        guard let kernels, blasKernels[kernels] == nil, blasKernels.count < 64 else { return }
        if let (other, first) = blasKernels.min(by: { $0.key < $1.key }) {
            logger.warning("worker \(worker) runs \(kernels) kernels but \(first) runs \(other): results can differ in the last bits between them; set OPENBLAS_CORETYPE to one value on every host for bit-identical results")
        }
        blasKernels[kernels] = worker
    }

    private func farewell(_ peer: PeerID, _ bye: Bye, now: Double) -> [Outgoing] {
        guard let w = workers[peer] else { return [] }
        var returned = 0
        for id in w.leases {
            guard let lease = leases.removeValue(forKey: id) else { continue }
            // Handed back, not failed: no attempt is charged.
            for (_, p) in lease.remaining where !sink.isRecorded(p.trial.id) {
                requeue(p)
                returned += 1
            }
        }
        forget(peer)
        notePeer("worker \(w.label) left (\(LogText.clean(bye.reason))); \(returned) trials handed back", warning: false, now: now)
        return dispatchAll(now: now)
    }

    /// Removes a worker (it left, was lost or quarantined); its leases must be dealt with first.
    func forget(_ peer: PeerID) {
        guard let w = workers.removeValue(forKey: peer) else { return }
        if !quarantinedPeers.contains(peer) { removeLabel(w.label) }
        counters.activeWorkers = workers.count
    }

    // MARK: - Results

    private func record(_ report: TrialResultReport, from peer: PeerID, now: Double) -> [Outgoing] {
        guard let worker = workers[peer] else { return [] }
        let id = report.trialID
        if let why = Admission.trialID(id) {
            // Not even acknowledged: nothing that long was ever leased.
            refuse(peer, "a result with \(why)", now: now)
            return []
        }
        if sink.isRecorded(id) {
            // Typically a resend whose acknowledgement was lost: acknowledge again, write nothing.
            counters.duplicates += 1
            pendingAcks[peer, default: []].append(id)
            return []
        }
        guard let lease = leases[report.leaseID], lease.peer == peer, let p = lease.remaining[id] else {
            // Acknowledged so that an honest worker (late, after its lease was
            // given to another) forgets it; never recorded.
            refuse(peer, "a result for trial \(LogText.clean(id.rawValue, limit: 16)), which is not leased to it", now: now)
            pendingAcks[peer, default: []].append(id)
            return []
        }
        takeFromLease(report.leaseID, id)
        pendingAcks[peer, default: []].append(id)
        workers[peer]?.accepted += 1
        workers[peer]?.deadlineMisses = 0
        if let why = Admission.report(report, planned: p.trial) {
            refuse(peer, "the result for trial \(id.short): \(why)", now: now)
            // A worker that cannot produce an acceptable result failed the attempt.
            return failed(p, on: peer, TrainingResult(status: .failed, message: "result refused by the coordinator: \(why)"), now: now)
        }
        if report.result.status == .failed {
            return failed(p, on: peer, report.result, now: now)
        }
        workers[peer]?.consecutiveFailures = 0
        workers[peer]?.streakStart = successSerial + 1
        successSerial += 1
        // The plan's config and sub-sweep, never the peer's copy of them.
        let rec = TrialRecord(id: id, sweep: p.trial.sweep, config: p.trial.config, result: report.result,
                              worker: worker.hello.name, host: worker.hello.host, attempt: max(1, p.leases),
                              startedAt: report.startedAt, endedAt: report.endedAt,
                              build: worker.hello.build, blas: worker.hello.blas)
        if !append(rec) { pendingAcks[peer]?.removeLast() }
        return wakeWaitingSource(now: now)
    }

    /// After a result: a source that had nothing ready may have more now (the
    /// next rung of a halving sweep), for every worker with free capacity.
    func wakeWaitingSource(now: Double) -> [Outgoing] {
        guard sourceWaiting else { return [] }
        sourceWaiting = false
        return dispatchAll(now: now)
    }

    func refuse(_ peer: PeerID, _ why: String, now: Double) {
        counters.refusedResults += 1
        let label = workers[peer]?.label ?? LogText.clean(peer.description)
        warnLimited("refused from worker \(label): \(why)", now: now)
    }

    /// Removes a trial from its lease (the lease ends with its last trial).
    func takeFromLease(_ leaseID: UInt64, _ id: TrialID) {
        // In place: a copy of the lease would copy its trials on every result.
        leases[leaseID]?.remaining[id] = nil
        guard let lease = leases[leaseID], lease.remaining.isEmpty else { return }
        leases[leaseID] = nil
        workers[lease.peer]?.leases.remove(leaseID)
    }

    /// A failed result (or a refused one) from a worker that ran the trial.
    private func failed(_ pending: Pending, on peer: PeerID, _ result: TrainingResult, now: Double) -> [Outgoing] {
        var p = pending
        counters.failedAttempts += 1
        noteFailure(peer)
        p.failures += 1
        if let w = workers[peer] { p.failedOn.insert(w.label) }
        p.lastFailure = result
        if shouldQuarantine(p) {
            quarantine(p, worker: workers[peer]?.label ?? "?", why: result.message ?? "failed")
            return wakeWaitingSource(now: now)
        }
        requeue(p)
        return dispatchAll(now: now)
    }

    /// False when the record could not be written (it stays unacknowledged).
    @discardableResult
    private func append(_ record: TrialRecord) -> Bool {
        do {
            if try sink.append(record) {
                unflushed += 1
                counters.recorded += 1
                counters.recordedThisRun += 1
            } else {
                counters.duplicates += 1
            }
        } catch {
            // The record stays unacknowledged, so the worker will send it again.
            logger.error("cannot record trial \(record.id.short): \(error)")
            return false
        }
        return true
    }

    /// Enough failed attempts, and at least one with evidence: losing workers
    /// that never returned anything cannot quarantine a trial on its own.
    func shouldQuarantine(_ p: Pending) -> Bool {
        p.failures >= 1 && p.failures + p.unproven >= options.maxAttempts
    }

    func quarantine(_ p: Pending, worker: String, why: String) {
        counters.quarantined += 1
        var result = p.lastFailure ?? TrainingResult(status: .failed)
        result.status = .failed
        let attempts = p.failures + p.unproven
        result.message = "quarantined after \(attempts) failed attempts: \(why)"
        logger.warning("trial \(p.trial.id.short) quarantined after \(attempts) failed attempts (last on \(worker)): \(why)")
        let now = Date()
        append(TrialRecord(id: p.trial.id, sweep: p.trial.sweep, config: p.trial.config, result: result,
                           worker: worker, host: "", attempt: max(1, p.leases), startedAt: now, endedAt: now))
    }

    private func noteFailure(_ peer: PeerID) {
        guard var w = workers[peer] else { return }
        w.consecutiveFailures += 1
        workers[peer] = w
        // Only a worker that fails while others succeed is at fault.
        if w.consecutiveFailures >= options.workerFailureLimit && successSerial > w.streakStart {
            quarantineWorker(peer, why: "\(w.consecutiveFailures) failed trials in a row while others succeed")
        }
    }

    /// No more work for this peer (it keeps its current leases until they end).
    func quarantineWorker(_ peer: PeerID, why: String) {
        guard let w = workers[peer], quarantinedPeers.insert(peer).inserted else { return }
        removeLabel(w.label)
        logger.warning("worker \(w.label) quarantined: \(why)")
    }

    // MARK: - Durability

    /// Makes every recorded result durable, then acknowledges them.
    /// On a flush error nothing is acknowledged (workers will resend).
    public func flush() throws -> [Outgoing] {
        if unflushed > 0 {
            try sink.flush()
            unflushed = 0
        }
        guard !pendingAcks.isEmpty else { return [] }
        let out = pendingAcks.filter { !$0.value.isEmpty }.map { Outgoing(peer: $0.key, message: .ack(Ack(trials: $0.value))) }
        pendingAcks.removeAll(keepingCapacity: true)
        return out
    }

    /// Peers currently connected.
    public var peers: [PeerID] { Array(workers.keys) }
}
