import DequeModule
import Foundation
import Sweep
import TrialContract
import Wire

// Leases: who gets which trials, until when, and what losing them costs.
extension CoordinatorCore {
    func requeue(_ p: Pending) {
        if retry[p.group] == nil {
            retry[p.group] = []
            retryOrder.append(p.group)
        }
        retry[p.group]?.append(p)
    }

    /// Whether `p` may go to `w` now. A trial waits for a worker it has not
    /// failed on while one is connected; one that only ever lost unproven
    /// workers waits for a worker that has returned results.
    func mayLease(_ p: Pending, to w: WorkerState) -> Bool {
        if p.failures == 0 && p.unproven >= options.maxAttempts && w.accepted == 0 { return false }
        guard p.failedOn.contains(w.label) else { return true }
        // Another connected worker it has not failed on? Then that one gets it.
        let failedLive = p.failedOn.reduce(0) { $0 + (liveLabels[$1] != nil ? 1 : 0) }
        return failedLive >= liveLabels.count
    }

    /// Up to `leaseSize` unrecorded trials of one shape group for `w`;
    /// retries first. A trial that was running when a worker was lost is
    /// leased alone, so the next loss says which trial it was.
    func takeTrials(for w: WorkerState) throws -> [Pending] {
        var taken: [Pending] = []
        var rotations = 0
        while taken.isEmpty, let group = retryOrder.first, rotations <= retryOrder.count {
            var queue = retry[group] ?? []
            var skipped: Deque<Pending> = []
            while taken.count < options.leaseSize, let p = queue.popFirst() {
                if sink.isRecorded(p.trial.id) { continue }
                guard mayLease(p, to: w) else { skipped.append(p); continue }
                if p.isolated {
                    if taken.isEmpty { taken.append(p); break }
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
                    // Nothing of this group may go to this worker: try the next group.
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
                    // Nothing ready yet (a halving rung waits for its results): ask again after the next result.
                    sourceWaiting = true
                    break
                }
                freshGroup += 1
                for t in shard where !sink.isRecorded(t.id) {
                    var p = Pending(trial: t, group: freshGroup, estimate: estimate(t.config))
                    // A trial that failed in an earlier run continues its attempt count.
                    p.leases = sink.priorAttempts(t.id)
                    fresh.append(p)
                }
                continue
            }
            if let p = fresh.popFirst() { taken.append(p) }
        }
        return taken
    }

    /// Seconds the plan's cost model gives a trial, with a fixed overhead.
    func estimate(_ c: TrialConfig) -> Double {
        TrialCost(config: c).flops / (options.assumedGflops * 1e9) + options.trialOverheadSeconds
    }

    /// Takes a worker's status: its capacity, and which leases it holds. A
    /// lease it does not hold although it has seen it (or should long have)
    /// was lost on the wire or finished with results lost on the wire: its
    /// remaining trials are re-leased without charging an attempt (results
    /// the worker still resends are recorded all the same).
    func reconcile(_ peer: PeerID, _ status: WorkerStatus, now: Double) -> [Outgoing] {
        guard var w = workers[peer] else { return [] }
        guard status.capacity >= 0 && status.held.count <= 4 * (options.maxJobs + options.prefetch) else {
            drop(peer, "status out of range (capacity \(status.capacity), \(status.held.count) leases)", now: now)
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
            notePeer("worker \(w.label) no longer holds \(lost) leased trials (messages lost in transit?); re-leasing them", now: now)
            return dispatchAll(now: now)
        }
        return []
    }

    /// Leases it may still take: what it asks for, at most its declared jobs
    /// plus the prefetch, less what it holds.
    func credit(_ w: WorkerState) -> Int {
        max(0, min(w.capacity, w.hello.jobs + options.prefetch) - w.leases.count - w.foreignLeases)
    }

    func dispatch(to peer: PeerID, now: Double) -> [Outgoing] {
        var out: [Outgoing] = []
        if quarantinedPeers.contains(peer) {
            workers[peer]?.capacity = 0
            return [Outgoing(peer: peer, message: .reject(Reject(reason: "worker is quarantined", rehello: false)))]
        }
        while !draining, var w = workers[peer], credit(w) > 0 {
            let trials: [Pending]
            do { trials = try takeTrials(for: w) } catch {
                logger.error("cannot read the next shard: \(error)")
                draining = true
                break
            }
            if trials.isEmpty { break }
            let id = nextLeaseID
            nextLeaseID += 1
            var remaining: [TrialID: Pending] = [:]
            var leased: [LeasedTrial] = []
            var seconds = 0.0
            leased.reserveCapacity(trials.count)
            for var p in trials {
                p.leases += 1
                remaining[p.trial.id] = p
                seconds += p.estimate
                leased.append(LeasedTrial(id: p.trial.id, sweep: p.trial.sweep, attempt: p.leases, config: p.trial.config))
            }
            // Trials queued ahead of it on that worker delay its start.
            for other in w.leases { seconds += leases[other]?.remaining.values.reduce(0) { $0 + $1.estimate } ?? 0 }
            let allowance = options.minLeaseSeconds + options.leaseTimeFactor * seconds
            leases[id] = LeaseState(peer: peer, grantedAt: now, deadline: now + allowance, order: trials.map(\.trial.id),
                                    remaining: remaining)
            w.leases.insert(id)
            w.lastSent = now
            workers[peer] = w
            out.append(Outgoing(peer: peer, message: .lease(Lease(leaseID: id, expiresIn: options.expiry, trials: leased))))
        }
        return out
    }

    func dispatchAll(now: Double) -> [Outgoing] {
        var out: [Outgoing] = []
        for (peer, w) in workers where credit(w) > 0 && !quarantinedPeers.contains(peer) { out += dispatch(to: peer, now: now) }
        return out
    }

    /// Takes back leases of worker `w` (lost, or past a deadline). Only what
    /// it could have been running is charged an attempt: the first `threads`
    /// unfinished trials of each of its first `jobs` leases (a worker runs
    /// leases in the order granted, trials in lease order). The rest go back
    /// uncharged.
    func takeBack(_ ids: [UInt64], of w: WorkerState, why: String) -> (charged: Int, returned: Int) {
        let running = Set(w.leases.sorted().prefix(w.hello.jobs))
        let threads = max(1, w.hello.threads ?? 1)
        var charged = 0, returned = 0
        for id in ids {
            guard let lease = leases.removeValue(forKey: id) else { continue }
            workers[lease.peer]?.leases.remove(id)
            var chargedHere = 0
            for tid in lease.order {
                guard var p = lease.remaining[tid], !sink.isRecorded(tid) else { continue }
                guard running.contains(id) && chargedHere < threads else {
                    requeue(p)
                    returned += 1
                    continue
                }
                chargedHere += 1
                charged += 1
                counters.failedAttempts += 1
                if w.accepted > 0 { p.failures += 1 } else { p.unproven += 1 }
                p.failedOn.insert(w.label)
                p.isolated = true
                if shouldQuarantine(p) { quarantine(p, worker: w.label, why: why) } else { requeue(p) }
            }
        }
        return (charged, returned)
    }

    // MARK: - Time

    /// Notices its own pauses, expires silent workers and leases past their
    /// deadline (re-leasing their trials), heartbeats idle links, and tells
    /// everyone when the sweep is complete.
    public func tick(now: Double) -> [Outgoing] {
        var out: [Outgoing] = []
        if let last = lastTick, now - last > options.pauseThreshold { rearm(after: now - last, now: now) }
        lastTick = now
        if let summary = logLimit.summary(now: now) { logger.warning("\(summary)") }
        if let summary = peerLogLimit.summary(now: now) { logger.warning("\(summary)") }
        for (peer, w) in workers where now - w.lastSeen > options.expiry {
            out += expire(peer, w, now: now)
        }
        for (id, lease) in leases where now > lease.deadline {
            out += revoke(id, lease, now: now)
        }
        for (peer, w) in workers where now - w.lastSent >= options.heartbeatInterval {
            workers[peer]?.lastSent = now
            out.append(Outgoing(peer: peer, message: .heartbeat(nil)))
        }
        if isComplete && !doneSent {
            doneSent = true
            let done = Done(recorded: counters.recorded, quarantined: counters.quarantined)
            for peer in workers.keys { out.append(Outgoing(peer: peer, message: .done(done))) }
        }
        return out
    }

    /// The coordinator did not run for `gap` seconds (stopped, swapped out,
    /// stuck on a disk): nobody could reach it, so that time counts neither
    /// as workers' silence nor against lease deadlines.
    private func rearm(after gap: Double, now: Double) {
        counters.pauses += 1
        for peer in workers.keys {
            if let seen = workers[peer]?.lastSeen { workers[peer]?.lastSeen = min(now, seen + gap) }
        }
        for id in leases.keys { leases[id]?.deadline += gap }
        // Short stalls of a loaded machine are routine; a long one is worth a line.
        guard gap >= options.expiry else { return }
        logger.warning("the coordinator was paused for \(String(format: "%.1f", gap)) s; liveness and lease deadlines re-armed, no attempt charged for it")
    }

    private func expire(_ peer: PeerID, _ w: WorkerState, now: Double) -> [Outgoing] {
        let silence = now - w.lastSeen
        forget(peer)
        let (charged, returned) = takeBack(w.leases.sorted(), of: w, why: "its worker was lost")
        notePeer("worker \(w.label) silent for \(String(format: "%.1f", silence)) s: presumed lost; \(charged) running trials charged an attempt, \(returned) re-leased uncharged", now: now)
        return dispatchAll(now: now)
    }

    /// A lease past its deadline is taken back, whatever the heartbeats say.
    private func revoke(_ id: UInt64, _ lease: LeaseState, now: Double) -> [Outgoing] {
        guard let w = workers[lease.peer] else {
            // Its worker is gone already (leases normally go with it): nothing to charge.
            leases[id] = nil
            for (_, p) in lease.remaining where !sink.isRecorded(p.trial.id) { requeue(p) }
            return dispatchAll(now: now)
        }
        counters.revokedLeases += 1
        let seconds = Int((lease.deadline - lease.grantedAt).rounded())
        let (charged, returned) = takeBack([id], of: w, why: "its lease passed its deadline (\(seconds) s)")
        workers[lease.peer]?.deadlineMisses += 1
        notePeer("worker \(w.label) holds lease \(id) past its deadline (\(seconds) s, from the plan's estimate): taken back, \(charged) trials charged an attempt, \(returned) re-leased", now: now)
        var out: [Outgoing] = []
        // A peer that heartbeats but never returns results cannot hold trials again and again.
        if w.accepted == 0 || (workers[lease.peer]?.deadlineMisses ?? 0) >= 2 {
            quarantineWorker(lease.peer, why: w.accepted == 0 ? "it returned no result before its lease's deadline"
                                                                 : "two leases in a row passed their deadline")
            out.append(Outgoing(peer: lease.peer, message: .reject(Reject(reason: "leases past their deadline: no more work for this worker", rehello: false))))
        }
        return out + dispatchAll(now: now)
    }
}
