import Foundation
import Logging
import Training
import TrialContract
import Wire

/// A worker's protocol logic (Paranoid Pirate on the worker side): says
/// hello, asks for leases up to its capacity, runs them on threads of its own
/// through a `ShardRunner`, streams each result, resends what is not
/// acknowledged, heartbeats, and reconnects with capped backoff when the
/// coordinator falls silent.
public struct WorkerAgent: Sendable {
    public let options: WorkerOptions
    let runner: any ShardRunner
    let logger: Logger

    public init(options: WorkerOptions, runner: any ShardRunner, logger: Logger) {
        self.options = options
        self.runner = runner
        self.logger = logger
    }

    private enum Event: Sendable {
        case message([[UInt8]])
        case tick
        case signal(Int32)
        case trialDone(lease: UInt64, index: Int, result: TrainingResult, endedAt: Date)
        case shardDone(UInt64)
        case sendOutbox
        case transportClosed
    }

    private struct Unacked {
        var report: TrialResultReport
        var sentAt: Double
    }

    public func run(transport: any ClientTransport, clock: any WireClock, signals: AsyncStream<Int32>? = nil,
                    tickInterval: Double = 0.05) async -> WorkerOutcome {
        let pump = EventPump<Event>(incoming: transport.incoming, message: { .message($0) }, closed: .transportClosed,
                                    tick: .tick, every: tickInterval, clock: clock, signals: signals, signal: { .signal($0) })
        defer { pump.stop() }

        let capacity = options.jobs + options.prefetch
        var welcomed = false
        var sweepID = ""
        var incarnation: UInt64 = 0
        var interval = options.heartbeatInterval
        var liveness = options.liveness
        var lastHeard = clock.now()
        var lastSent = clock.now()
        var backoff = options.initialBackoff
        var nextHelloAt = clock.now()
        var lastLease: UInt64 = 0
        var running: [UInt64: Lease] = [:]
        var queued: [Lease] = []
        var unacked: [TrialID: Unacked] = [:]
        var outbox: [TrialResultReport] = []
        var outboxScheduled = false
        var stopping: Int32?
        var stopDeadline = 0.0
        var sweepDone = false

        func send(_ message: Message) {
            let env = Envelope(sweepID: sweepID, incarnation: incarnation, message: message)
            do {
                transport.send(try Codec.encode(env))
                lastSent = clock.now()
            } catch {
                logger.error("cannot encode \(message.kind): \(error)")
            }
        }
        func status() -> WorkerStatus {
            WorkerStatus(capacity: (stopping != nil || sweepDone) ? 0 : capacity,
                         held: Array(running.keys) + queued.map(\.leaseID), lastLease: lastLease)
        }
        func hello() {
            send(.hello(Hello(name: options.name, host: options.host, cores: ProcessInfo.processInfo.activeProcessorCount,
                              jobs: options.jobs, build: options.build, pid: getpid(), blas: options.blas)))
        }
        func startJobs() {
            while running.count < options.jobs, !queued.isEmpty, stopping == nil {
                let lease = queued.removeFirst()
                running[lease.leaseID] = lease
                let configs = lease.trials.map(\.config)
                let runner = self.runner
                let threads = options.threadsPerJob
                let id = lease.leaseID
                let thread = Thread {
                    runner.run(configs, threads: threads) { index, result in
                        pump.yield(.trialDone(lease: id, index: index, result: result, endedAt: Date()))
                    }
                    pump.yield(.shardDone(id))
                }
                thread.name = "oversweep-job"
                thread.start()
            }
        }

        hello()
        nextHelloAt = clock.now() + backoff
        for await event in pump.events {
            let now = clock.now()
            switch event {
            case .message(let frames):
                let env: Envelope
                do { env = try Codec.decode(frames) } catch {
                    logger.warning("dropped message from coordinator: \(error)")
                    continue
                }
                lastHeard = now
                switch env.message {
                case .welcome(let w):
                    if !sweepID.isEmpty && env.sweepID != sweepID && !unacked.isEmpty {
                        logger.warning("coordinator now runs sweep \(env.sweepID); dropping \(unacked.count) unacknowledged results of sweep \(sweepID)")
                        unacked.removeAll()
                    }
                    if env.incarnation != incarnation {
                        if incarnation != 0 { logger.info("coordinator restarted (new incarnation); resending \(unacked.count) unacknowledged results") }
                        lastLease = 0
                    }
                    sweepID = env.sweepID
                    incarnation = env.incarnation
                    interval = w.heartbeatInterval
                    liveness = w.liveness
                    if !welcomed { logger.info("connected: sweep \(sweepID), \(w.totalTrials) trials") }
                    welcomed = true
                    backoff = options.initialBackoff
                    if !unacked.isEmpty {
                        let all = unacked.values.map(\.report)
                        for chunk in stride(from: 0, to: all.count, by: 256) {
                            send(.result(Results(reports: Array(all[chunk..<min(all.count, chunk + 256)]))))
                        }
                        for k in unacked.keys { unacked[k]?.sentAt = now }
                    }
                    send(.ready(status()))
                case .lease(let lease):
                    lastLease = max(lastLease, lease.leaseID)
                    if stopping != nil || sweepDone {
                        send(.bye(Bye(reason: "stopping", returnedLeases: [lease.leaseID])))
                        continue
                    }
                    queued.append(lease)
                    startJobs()
                case .ack(let ack):
                    for id in ack.trials { unacked[id] = nil }
                case .heartbeat:
                    break
                case .done(let d):
                    logger.info("sweep complete: \(d.recorded) trials recorded, \(d.quarantined) quarantined")
                    if !options.stay { return .done }
                    sweepDone = true
                case .reject(let r):
                    if r.rehello {
                        if stopping != nil { continue }
                        welcomed = false
                        hello()
                        nextHelloAt = now + backoff
                    } else {
                        logger.error("coordinator refused this worker: \(r.reason)")
                        return .refused(r.reason)
                    }
                case .hello, .ready, .result, .bye:
                    logger.warning("dropped \(env.message.kind) from coordinator: not a coordinator message")
                }
            case .trialDone(let leaseID, let index, let result, let endedAt):
                guard let lease = running[leaseID], index >= 0, index < lease.trials.count else { continue }
                let t = lease.trials[index]
                let report = TrialResultReport(leaseID: leaseID, trialID: t.id, sweep: t.sweep, attempt: t.attempt, config: t.config,
                                               result: result, startedAt: endedAt.addingTimeInterval(-result.timing.seconds), endedAt: endedAt)
                unacked[t.id] = Unacked(report: report, sentAt: now)
                // The coordinator that leased it knows the config; resends carry it.
                var first = report
                first.config = nil
                outbox.append(first)
                // Results finishing together leave in one message; the event queue decides "together".
                if !outboxScheduled {
                    outboxScheduled = true
                    pump.yield(.sendOutbox)
                }
            case .sendOutbox:
                outboxScheduled = false
                if welcomed && !outbox.isEmpty { send(.result(Results(reports: outbox))) }
                outbox.removeAll()
            case .shardDone(let id):
                // Results go before the status that no longer lists their lease.
                if welcomed && !outbox.isEmpty { send(.result(Results(reports: outbox))) }
                outbox.removeAll()
                running[id] = nil
                startJobs()
                if welcomed && stopping == nil && !sweepDone { send(.ready(status())) }
            case .tick:
                if let s = stopping, unacked.isEmpty || now >= stopDeadline {
                    if !unacked.isEmpty { logger.warning("exiting with \(unacked.count) unacknowledged results; they will run again") }
                    return .interrupted(signal: s)
                }
                if welcomed && now - lastHeard > interval * Double(liveness) {
                    logger.warning("coordinator silent for \(String(format: "%.1f", now - lastHeard)) s; reconnecting")
                    welcomed = false
                    nextHelloAt = now
                }
                if !welcomed, !options.stay, let limit = options.giveUpAfter, now - lastHeard >= limit {
                    logger.error("no coordinator at the other end for \(Int(now - lastHeard)) s; giving up (--give-up-after)")
                    return .gaveUp(silentSeconds: now - lastHeard)
                }
                if !welcomed && now >= nextHelloAt {
                    // A fresh socket drops hellos queued on a connection that never came up.
                    transport.reconnect()
                    hello()
                    nextHelloAt = now + backoff
                    backoff = min(backoff * 2, options.maxBackoff)
                }
                if welcomed && stopping == nil {
                    // A result lost on the wire is sent again; the coordinator records it once.
                    let resendAfter = max(1, interval * Double(liveness))
                    let stale = unacked.values.filter { now - $0.sentAt > resendAfter }.map(\.report)
                    if !stale.isEmpty {
                        send(.result(Results(reports: stale)))
                        for r in stale { unacked[r.trialID]?.sentAt = now }
                    }
                    if now - lastSent >= interval { send(.heartbeat(status())) }
                }
            case .signal(let s):
                if stopping != nil {
                    logger.warning("second signal: exiting now")
                    return .interrupted(signal: s)
                }
                stopping = s
                stopDeadline = now + options.ackGrace
                let returned = Array(running.keys) + queued.map(\.leaseID)
                queued.removeAll()
                running.removeAll()
                logger.info("signal \(s): handing back \(returned.count) leases, waiting for acknowledgements")
                if welcomed { send(.bye(Bye(reason: "signal \(s)", returnedLeases: returned))) }
            case .transportClosed:
                return .refused("transport closed")
            }
        }
        return .refused("event stream ended")
    }
}
