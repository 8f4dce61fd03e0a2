import Foundation

/// One ordered stream of events for a protocol loop (coordinator or worker):
/// what the transport delivers, a periodic tick, and signals, plus anything
/// the loop's own threads `yield` (a finished trial, a flush request).
///
/// Both ends are single-consumer state machines; funnelling every input into
/// one `AsyncStream` is what lets them keep their state in local variables
/// without locks. Call `stop()` when the loop returns (a `defer`).
public struct EventPump<Event: Sendable>: Sendable {
    public let events: AsyncStream<Event>
    private let sink: AsyncStream<Event>.Continuation
    private let tasks: [Task<Void, Never>]

    /// - Parameters:
    ///   - incoming: the transport's messages, each mapped by `message`;
    ///     `closed` follows when the transport's stream ends.
    ///   - tick: sent every `interval` seconds of `clock`.
    ///   - signals: each mapped by `signal`.
    public init<Incoming: Sendable>(
        incoming: AsyncStream<Incoming>, message: @escaping @Sendable (Incoming) -> Event, closed: Event,
        tick: Event, every interval: Double, clock: any WireClock,
        signals: AsyncStream<Int32>?, signal: @escaping @Sendable (Int32) -> Event
    ) {
        let (events, sink) = AsyncStream.makeStream(of: Event.self)
        self.events = events
        self.sink = sink
        let pump = Task {
            for await m in incoming { sink.yield(message(m)) }
            sink.yield(closed)
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await clock.sleep(seconds: interval)
                sink.yield(tick)
            }
        }
        let signalPump = Task {
            guard let signals else { return }
            for await s in signals { sink.yield(signal(s)) }
        }
        tasks = [pump, ticker, signalPump]
    }

    /// Adds an event from elsewhere (a job thread); safe from any thread.
    public func yield(_ event: Event) { sink.yield(event) }

    /// Stops the tick and the forwarding; events already queued stay readable.
    public func stop() {
        for t in tasks { t.cancel() }
        sink.finish()
    }
}
