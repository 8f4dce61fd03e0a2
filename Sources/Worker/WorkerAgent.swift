import Foundation
import Logging
import Training
import TrialContract
import Wire

/// Drives a `WorkerCore` with a transport, a clock, signals and job threads:
/// every input becomes one event on one queue, the core decides, and this
/// loop carries out its actions (send, start a job, reconnect, exit).
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
        case jobDone(UInt64)
        case sendResults
        case transportClosed
    }

    public func run(transport: any ClientTransport, clock: any WireClock, signals: AsyncStream<Int32>? = nil,
                    tickInterval: Double = 0.05) async -> WorkerOutcome {
        let pump = EventPump<Event>(incoming: transport.incoming, message: { .message($0) }, closed: .transportClosed,
                                    tick: .tick, every: tickInterval, clock: clock, signals: signals, signal: { .signal($0) })
        defer { pump.stop() }
        let core = WorkerCore(options: options, logger: logger)

        /// Carries out `actions` in order; the outcome once one says exit.
        func perform(_ actions: [WorkerAction]) -> WorkerOutcome? {
            for action in actions {
                switch action {
                case .send(let envelope):
                    do { transport.send(try Codec.encode(envelope)) } catch {
                        logger.error("cannot encode \(envelope.message.kind): \(error)")
                    }
                case .startJob(let lease):
                    startJob(lease, pump: pump)
                case .reconnect:
                    transport.reconnect()
                case .sendResultsSoon:
                    // Behind the events already queued: results finishing together leave together.
                    pump.yield(.sendResults)
                case .exit(let outcome):
                    return outcome
                }
            }
            return nil
        }

        if let outcome = perform(core.start(now: clock.now())) { return outcome }
        for await event in pump.events {
            let now = clock.now()
            let actions: [WorkerAction]
            switch event {
            case .message(let frames): actions = core.receive(frames, now: now)
            case .tick:
                core.noteLinkProblem(transport.linkProblem)
                actions = core.tick(now: now)
            case .signal(let s): actions = core.signal(s, now: now)
            case .trialDone(let lease, let index, let result, let endedAt):
                actions = core.trialFinished(lease: lease, index: index, result: result, endedAt: endedAt, now: now)
            case .jobDone(let lease): actions = core.jobFinished(lease: lease, now: now)
            case .sendResults: actions = core.sendFinishedResults(now: now)
            case .transportClosed: actions = core.transportClosed()
            }
            if let outcome = perform(actions) { return outcome }
        }
        return .refused("event stream ended")
    }

    /// Runs a lease's trials on a thread of its own (training blocks), reporting back through the pump.
    private func startJob(_ lease: Lease, pump: EventPump<Event>) {
        let configs = lease.trials.map(\.config)
        let runner = self.runner
        let threads = options.threadsPerJob
        let id = lease.leaseID
        let thread = Thread {
            runner.run(configs, threads: threads) { index, result in
                pump.yield(.trialDone(lease: id, index: index, result: result, endedAt: Date()))
            }
            pump.yield(.jobDone(id))
        }
        thread.name = "oversweep-job"
        thread.start()
    }
}
