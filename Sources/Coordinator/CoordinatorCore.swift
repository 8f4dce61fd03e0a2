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
        /// Leases so far (the record's `attempt`).
        var leases = 0
        var failures = 0
        var failedOn: Set<String> = []
        var lastFailure: TrainingResult?
    }

    struct LeaseState {
        var peer: PeerID
        var grantedAt: Double
        var remaining: [TrialID: Pending]
    }

    struct WorkerState {
        var hello: Hello
        var key: String?
        var lastSeen: Double
        var lastSent: Double
        /// Leases it wants to hold at once (from its last status).
        var capacity = 0
        /// Leases it reported holding that this incarnation did not grant (pre-restart work).
        var foreignLeases = 0
        var leases: Set<UInt64> = []
        var consecutiveFailures = 0
        /// `successSerial` when the current failure streak began.
        var streakStart = 0
        var label: String { "\(hello.name)@\(hello.host)" }
    }

    public let options: CoordinatorOptions
    let source: any TrialSource
    let sink: any ResultSink
    let logger: Logger

    private var workers: [PeerID: WorkerState] = [:]
    private var leases: [UInt64: LeaseState] = [:]
    private var nextLeaseID: UInt64
    /// Trials to lease again, grouped by shard so a lease still shares shapes.
    private var retry: [Int: Deque<Pending>] = [:]
    private var retryOrder: Deque<Int> = []
    /// The current source shard, not yet fully leased.
    private var fresh: Deque<Pending> = []
    private var freshGroup = 0
    private var sourceExhausted = false
    /// The source had nothing ready (a halving rung waits for results): ask it again after the next result.
    private var sourceWaiting = false
    private var pendingAcks: [PeerID: [TrialID]] = [:]
    private var quarantinedWorkers: Set<String> = []
    private var successSerial = 0
    private var dropLog: [PeerID: Int] = [:]
    public private(set) var stats = CoordinatorStats()
    public private(set) var unflushed = 0
    /// No new leases (shutdown in progress).
    public var draining = false
    private var doneSent = false
    /// BLAS kernels seen in workers' hellos, each with the first worker that had them.
    private var blasKernels: [String: String] = [:]

    /// `alreadyRecorded`: how many of the source's trials the sink holds
    /// (default: all its records), so counters never exceed the plan when
    /// the file also holds trials of an earlier spec revision.
    public init(options: CoordinatorOptions, source: any TrialSource, sink: any ResultSink, logger: Logger,
                alreadyRecorded: Int? = nil) {
        self.options = options
        self.source = source
        self.sink = sink
        self.logger = logger
        stats.total = source.totalTrials
        stats.recorded = alreadyRecorded ?? sink.recordedCount
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
            drop(delivery.peer, "\(error)")
            if let e = error as? WireError, e.code == .version {
                return [Outgoing(peer: delivery.peer, message: .reject(Reject(
                    reason: "\(e.message); upgrade the worker", rehello: false)))]
            }
            return []
        }
        var out: [Outgoing] = []
        let peer = delivery.peer
        if case .hello(let hello) = envelope.message {
            out += welcome(peer, hello, key: delivery.authenticatedKey, now: now)
            return out
        }
        guard workers[peer] != nil else {
            if case .bye = envelope.message { return [] }
            // Typically a worker of the previous incarnation: ask it to introduce itself.
            return [Outgoing(peer: peer, message: .reject(Reject(reason: "unknown worker; send hello", rehello: true)))]
        }
        workers[peer]?.lastSeen = now
        guard envelope.sweepID == options.sweepID else {
            drop(peer, "\(envelope.message.kind) for sweep '\(envelope.sweepID)', this is '\(options.sweepID)'")
            return [Outgoing(peer: peer, message: .reject(Reject(reason: "wrong sweep id; send hello", rehello: true)))]
        }
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
            drop(peer, "\(envelope.message.kind) is not a worker message")
        }
        return out
    }

    private func drop(_ peer: PeerID, _ why: String) {
        stats.droppedMessages += 1
        // Bounded: a rogue can invent any number of peer ids.
        if dropLog.count > 10_000 { dropLog.removeAll() }
        let n = (dropLog[peer] ?? 0) + 1
        dropLog[peer] = n
        // A rogue peer must not flood the log: the first few, then every 1000th.
        if n <= 3 || n % 1000 == 0 {
            logger.warning("dropped message from peer \(peer): \(why)\(n > 3 ? " (\(n) so far)" : "")")
        }
    }

    private func welcome(_ peer: PeerID, _ hello: Hello, key: String?, now: Double) -> [Outgoing] {
        let label = "\(hello.name)@\(hello.host)"
        if quarantinedWorkers.contains(label) {
            return [Outgoing(peer: peer, message: .reject(Reject(reason: "worker \(label) is quarantined after repeated failures", rehello: false)))]
        }
        if doneSent {
            // Late (it was away when `done` went out): nothing left to lease.
            return [Outgoing(peer: peer, message: .done(Done(recorded: stats.recorded, quarantined: stats.quarantined)))]
        }
        if var w = workers[peer] {
            // Reconnected: it keeps its leases; its next status says what it holds.
            w.hello = hello
            w.lastSeen = now
            workers[peer] = w
        } else {
            workers[peer] = WorkerState(hello: hello, key: key, lastSeen: now, lastSent: now, streakStart: successSerial)
            logger.info("worker \(label) joined (peer \(peer), \(hello.jobs) jobs, \(hello.cores) cores, build \(hello.build)\(hello.blas.map { ", \($0)" } ?? "")\(key.map { ", key \($0)" } ?? ""))")
            noteKernels(hello.blas, worker: label)
        }
        stats.activeWorkers = workers.count
        return [Outgoing(peer: peer, message: .welcome(Welcome(
            heartbeatInterval: options.heartbeatInterval, liveness: options.liveness, totalTrials: stats.total)))]
    }

    /// Warns once per new kind of BLAS kernels: a trial's numbers are
    /// bit-identical only between workers that run the same kernels.
    private func noteKernels(_ kernels: String?, worker: String) {
        guard let kernels, blasKernels[kernels] == nil else { return }
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
            for (_, p) in lease.remaining {
                requeue(p)
                returned += 1
            }
        }
        workers[peer] = nil
        stats.activeWorkers = workers.count
        updateInFlight()
        logger.info("worker \(w.label) left (\(bye.reason)); \(returned) trials handed back")
        return dispatchAll(now: now)
    }

    // MARK: - Results

    private func record(_ report: TrialResultReport, from peer: PeerID, now: Double) -> [Outgoing] {
        guard let worker = workers[peer] else { return [] }
        var pending: Pending?
        if let lease = leases[report.leaseID], lease.peer == peer, let p = lease.remaining[report.trialID] {
            pending = p
            leases[report.leaseID]?.remaining[report.trialID] = nil
            if leases[report.leaseID]?.remaining.isEmpty == true {
                leases[report.leaseID] = nil
                workers[peer]?.leases.remove(report.leaseID)
            }
            updateInFlight()
        }
        pendingAcks[peer, default: []].append(report.trialID)
        if sink.isRecorded(report.trialID) {
            stats.duplicates += 1
            return []
        }
        let attempt = pending?.leases ?? report.attempt
        if report.result.status == .failed {
            stats.failedAttempts += 1
            noteFailure(peer)
            guard var p = pending else {
                // A stale failure (lease no longer known): whoever holds the trial now decides.
                return []
            }
            p.failures += 1
            p.failedOn.insert(worker.label)
            p.lastFailure = report.result
            if p.failures < options.maxAttempts {
                requeue(p)
                return dispatchAll(now: now)
            }
            return quarantine(p, worker: worker.label, why: report.result.message ?? "failed") + wakeWaitingSource(now: now)
        }
        if workers[peer] != nil {
            workers[peer]?.consecutiveFailures = 0
            workers[peer]?.streakStart = successSerial + 1
        }
        successSerial += 1
        guard let config = pending?.trial.config ?? report.config else {
            // Unknown lease and no config: not recordable now; the worker resends with its config.
            pendingAcks[peer]?.removeLast()
            return []
        }
        let sweep = pending?.trial.sweep ?? report.sweep
        let rec = TrialRecord(id: report.trialID, sweep: sweep, config: config, result: report.result,
                              worker: worker.hello.name, host: worker.hello.host, attempt: max(1, attempt),
                              startedAt: report.startedAt, endedAt: report.endedAt,
                              build: worker.hello.build, blas: worker.hello.blas)
        if !append(rec) { pendingAcks[peer]?.removeLast() }
        return wakeWaitingSource(now: now)
    }

    /// After a result: a source that had nothing ready may have more now (the
    /// next rung of a halving sweep), for every worker with free capacity.
    private func wakeWaitingSource(now: Double) -> [Outgoing] {
        guard sourceWaiting else { return [] }
        sourceWaiting = false
        return dispatchAll(now: now)
    }

    /// False when the record could not be written (it stays unacknowledged).
    @discardableResult
    private func append(_ record: TrialRecord) -> Bool {
        do {
            if try sink.append(record) {
                unflushed += 1
                stats.recorded += 1
                stats.recordedThisRun += 1
            } else {
                stats.duplicates += 1
            }
        } catch {
            // The record stays unacknowledged, so the worker will send it again.
            logger.error("cannot record trial \(record.id.short): \(error)")
            return false
        }
        return true
    }

    private func quarantine(_ p: Pending, worker: String, why: String) -> [Outgoing] {
        stats.quarantined += 1
        var result = p.lastFailure ?? TrainingResult(status: .failed)
        result.status = .failed
        result.message = "quarantined after \(p.failures) failed attempts: \(why)"
        logger.warning("trial \(p.trial.id.short) quarantined after \(p.failures) failed attempts (last on \(worker)): \(why)")
        let now = Date()
        append(TrialRecord(id: p.trial.id, sweep: p.trial.sweep, config: p.trial.config, result: result,
                           worker: worker, host: "", attempt: max(1, p.leases), startedAt: now, endedAt: now))
        return []
    }

    private func noteFailure(_ peer: PeerID) {
        guard var w = workers[peer] else { return }
        w.consecutiveFailures += 1
        workers[peer] = w
        // Only a worker that fails while others succeed is at fault.
        if w.consecutiveFailures >= options.workerFailureLimit && successSerial > w.streakStart {
            quarantinedWorkers.insert(w.label)
            logger.warning("worker \(w.label) quarantined: \(w.consecutiveFailures) failed trials in a row while others succeed")
        }
    }

    // MARK: - Leasing

    private func requeue(_ p: Pending) {
        if retry[p.group] == nil {
            retry[p.group] = []
            retryOrder.append(p.group)
        }
        retry[p.group]?.append(p)
    }

    /// Up to `leaseSize` unrecorded trials of one shape group; retries first,
    /// preferring trials that did not already fail on this worker.
    private func takeTrials(for label: String) throws -> [Pending] {
        var taken: [Pending] = []
        var rotations = 0
        while taken.isEmpty, let group = retryOrder.first, rotations <= retryOrder.count {
            var queue = retry[group] ?? []
            var skipped: Deque<Pending> = []
            while taken.count < options.leaseSize, let p = queue.popFirst() {
                if sink.isRecorded(p.trial.id) { continue }
                if p.failedOn.contains(label) && workers.count > 1 {
                    skipped.append(p)
                    continue
                }
                taken.append(p)
            }
            queue.append(contentsOf: skipped)
            if queue.isEmpty {
                retry[group] = nil
                retryOrder.removeFirst()
            } else {
                retry[group] = queue
                if taken.isEmpty {
                    // Every trial of this group failed here before: try the next group.
                    retryOrder.append(retryOrder.removeFirst())
                    rotations += 1
                }
            }
        }
        if !taken.isEmpty { return taken }
        while taken.count < options.leaseSize {
            if fresh.isEmpty {
                if !taken.isEmpty || sourceExhausted { break }
                guard let shard = try source.nextShard() else {
                    sourceExhausted = true
                    break
                }
                if shard.isEmpty {
                    sourceWaiting = true
                    break
                }
                freshGroup += 1
                for t in shard where !sink.isRecorded(t.id) { fresh.append(Pending(trial: t, group: freshGroup)) }
                continue
            }
            if let p = fresh.popFirst() { taken.append(p) }
        }
        return taken
    }

    /// Takes a worker's status: its capacity, and which leases it holds. A
    /// lease it does not hold although it has seen it (or should long have)
    /// was lost on the wire or finished with results lost on the wire: its
    /// remaining trials are re-leased without charging an attempt (results
    /// the worker still resends are recorded all the same).
    private func reconcile(_ peer: PeerID, _ status: WorkerStatus, now: Double) -> [Outgoing] {
        guard var w = workers[peer] else { return [] }
        guard status.capacity >= 0 && status.capacity <= 4096 && status.held.count <= 4096 else {
            drop(peer, "status out of range (capacity \(status.capacity), \(status.held.count) leases)")
            return []
        }
        w.capacity = status.capacity
        let held = Set(status.held)
        w.foreignLeases = held.subtracting(w.leases).count
        var lost = 0
        for id in w.leases where !held.contains(id) {
            guard let lease = leases[id] else { w.leases.remove(id); continue }
            if id <= status.lastLease || now - lease.grantedAt > options.expiry {
                leases[id] = nil
                w.leases.remove(id)
                for (_, p) in lease.remaining where !sink.isRecorded(p.trial.id) {
                    requeue(p)
                    lost += 1
                }
            }
        }
        workers[peer] = w
        if lost > 0 {
            updateInFlight()
            logger.warning("worker \(w.label) no longer holds \(lost) leased trials (messages lost in transit?); re-leasing them")
            return dispatchAll(now: now)
        }
        return []
    }

    private func credit(_ w: WorkerState) -> Int {
        max(0, w.capacity - w.leases.count - w.foreignLeases)
    }

    private func dispatch(to peer: PeerID, now: Double) -> [Outgoing] {
        var out: [Outgoing] = []
        while !draining, var w = workers[peer], credit(w) > 0, !quarantinedWorkers.contains(w.label) {
            let trials: [Pending]
            do { trials = try takeTrials(for: w.label) } catch {
                logger.error("cannot read the next shard: \(error)")
                draining = true
                break
            }
            if trials.isEmpty { break }
            let id = nextLeaseID
            nextLeaseID += 1
            var remaining: [TrialID: Pending] = [:]
            var leased: [LeasedTrial] = []
            leased.reserveCapacity(trials.count)
            for var p in trials {
                p.leases += 1
                remaining[p.trial.id] = p
                leased.append(LeasedTrial(id: p.trial.id, sweep: p.trial.sweep, attempt: p.leases, config: p.trial.config))
            }
            leases[id] = LeaseState(peer: peer, grantedAt: now, remaining: remaining)
            w.leases.insert(id)
            w.lastSent = now
            workers[peer] = w
            out.append(Outgoing(peer: peer, message: .lease(Lease(leaseID: id, expiresIn: options.expiry, trials: leased))))
        }
        if let w = workers[peer], quarantinedWorkers.contains(w.label) {
            out.append(Outgoing(peer: peer, message: .reject(Reject(reason: "worker \(w.label) is quarantined after repeated failures", rehello: false))))
            workers[peer]?.capacity = 0
        }
        updateInFlight()
        return out
    }

    private func dispatchAll(now: Double) -> [Outgoing] {
        var out: [Outgoing] = []
        for (peer, w) in workers where credit(w) > 0 { out += dispatch(to: peer, now: now) }
        return out
    }

    private func updateInFlight() {
        stats.trialsInFlight = leases.values.reduce(0) { $0 + $1.remaining.count }
    }

    // MARK: - Time

    /// Expires silent workers (re-leasing their trials), heartbeats idle links,
    /// and tells everyone when the sweep is complete.
    public func tick(now: Double) -> [Outgoing] {
        var out: [Outgoing] = []
        for (peer, w) in workers where now - w.lastSeen > options.expiry {
            out += expire(peer, w, now: now)
        }
        for (peer, w) in workers where now - w.lastSent >= options.heartbeatInterval {
            workers[peer]?.lastSent = now
            out.append(Outgoing(peer: peer, message: .heartbeat(nil)))
        }
        if isComplete && !doneSent {
            doneSent = true
            let done = Done(recorded: stats.recorded, quarantined: stats.quarantined)
            for peer in workers.keys { out.append(Outgoing(peer: peer, message: .done(done))) }
        }
        return out
    }

    private func expire(_ peer: PeerID, _ w: WorkerState, now: Double) -> [Outgoing] {
        var lost = 0
        var out: [Outgoing] = []
        workers[peer] = nil
        for id in w.leases {
            guard let lease = leases.removeValue(forKey: id) else { continue }
            for (_, var p) in lease.remaining where !sink.isRecorded(p.trial.id) {
                lost += 1
                stats.failedAttempts += 1
                p.failures += 1
                p.failedOn.insert(w.label)
                if p.failures < options.maxAttempts {
                    requeue(p)
                } else {
                    out += quarantine(p, worker: w.label, why: "its worker was lost \(p.failures) times")
                }
            }
        }
        stats.activeWorkers = workers.count
        updateInFlight()
        logger.warning("worker \(w.label) silent for \(String(format: "%.1f", now - w.lastSeen)) s: presumed lost, \(lost) trials of \(w.leases.count) leases re-leased")
        return out + dispatchAll(now: now)
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
