import Foundation
import Logging
import Wire

/// How a coordinator run ended.
public enum CoordinatorOutcome: Sendable, Equatable {
    /// Every trial recorded.
    case complete
    /// Stopped by a signal (after the grace period, or at once on a second signal).
    case interrupted(signal: Int32)
    /// The result sink failed; recorded results up to the last flush are safe.
    case failed(String)
}

/// Drives a `CoordinatorCore` with a transport, a clock and signals.
public struct CoordinatorServer {
    public var tickInterval: Double = 0.02
    /// Seconds to wait for in-flight results after the first signal.
    public var grace: Double = 10
    /// Flush early once this many records wait.
    public var flushBatch = 2000
    /// Called about once a second with the counters (progress line).
    public var onProgress: (@Sendable (CoordinatorStats) -> Void)?
    /// Asked on every tick: a reason to give up now (e.g. `run` has no local
    /// worker left), or nil to go on. Recorded results are flushed first.
    public var abandon: (@Sendable () -> String?)?
    /// Asked on every tick once the sweep is complete and `done` has gone
    /// out: true when every worker has certainly got it (`run`: its local
    /// workers, which exit on `done`, have all exited), so the run ends
    /// without the moment it otherwise leaves for `done` to leave.
    public var doneDelivered: (@Sendable () -> Bool)?
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    private enum Event: Sendable {
        case delivery(Delivery)
        case tick
        case signal(Int32)
        case transportClosed
    }

    public func run(core: CoordinatorCore, transport: any ServerTransport, clock: any WireClock,
                    signals: AsyncStream<Int32>? = nil) async -> CoordinatorOutcome {
        let pump = EventPump<Event>(incoming: transport.incoming, message: { .delivery($0) }, closed: .transportClosed,
                                    tick: .tick, every: tickInterval, clock: clock, signals: signals, signal: { .signal($0) })
        defer { pump.stop() }

        func send(_ out: [CoordinatorCore.Outgoing]) {
            for o in out {
                let env = Envelope(sweepID: core.options.sweepID, incarnation: core.options.incarnation, message: o.message)
                do { transport.send(try Codec.encode(env), to: o.peer) } catch {
                    logger.error("cannot encode \(o.message.kind) for \(o.peer): \(error)")
                }
            }
        }
        func flush() -> Bool {
            do { send(try core.flush()); return true } catch {
                logger.error("cannot make results durable: \(error)")
                return false
            }
        }

        var stopSignal: Int32?
        var graceDeadline = 0.0
        var lastProgress = clock.now()
        var doneAt: Double?
        for await event in pump.events {
            let now = clock.now()
            switch event {
            case .delivery(let d):
                send(core.receive(d, now: now))
                transport.release(d)
                if core.unflushed >= flushBatch && !flush() { return .failed("result sink failed") }
                // Nothing leased: no result is on its way to share the fsync with, and the
                // last results of a sweep need not wait for the tick to be durable and `done`.
                if core.unflushed > 0 && !core.hasLeases {
                    if !flush() { return .failed("result sink failed") }
                    send(core.tick(now: now))
                    if core.isComplete && doneAt == nil { doneAt = now }
                }
            case .tick:
                if !flush() { return .failed("result sink failed") }
                if let why = abandon?() {
                    core.draining = true
                    return .failed(why)
                }
                send(core.tick(now: now))
                if now - lastProgress >= 1 {
                    lastProgress = now
                    onProgress?(core.stats)
                }
                if core.isComplete {
                    // Give the `done` messages a moment to leave before the socket closes.
                    if doneAt == nil { doneAt = now }
                    if let t = doneAt, now - t >= 0.2 || doneDelivered?() == true {
                        onProgress?(core.stats)
                        return .complete
                    }
                }
                if let s = stopSignal, !core.hasLeases || now >= graceDeadline {
                    _ = flush()
                    if core.hasLeases { logger.warning("grace period over; unfinished leases will run again on resume") }
                    return .interrupted(signal: s)
                }
            case .signal(let s):
                if stopSignal != nil {
                    _ = flush()
                    logger.warning("second signal: exiting now; every recorded result is flushed")
                    return .interrupted(signal: s)
                }
                stopSignal = s
                core.draining = true
                graceDeadline = now + grace
                logger.warning("signal \(s): no new leases; waiting up to \(Int(grace)) s for in-flight results (signal again to exit now)")
            case .transportClosed:
                _ = flush()
                return .failed("transport closed")
            }
        }
        _ = flush()
        return .failed("event stream ended")
    }
}
