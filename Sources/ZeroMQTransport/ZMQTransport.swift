import Logging
import Wire

/// ZeroMQ ROUTER transport for the coordinator.
public final class ZMQServerTransport: ServerTransport {
    private let loop: ZMQLoop
    public let incoming: AsyncStream<Delivery>

    public init(context: ZMQContext, spec: SocketSpec, logger: Logger) throws {
        loop = try ZMQLoop(context: context, spec: spec, logger: logger)
        let raw = loop.incoming
        incoming = AsyncStream { continuation in
            let task = Task {
                for await m in raw {
                    // ROUTER prepends the sender's routing id.
                    guard m.frames.count >= 2, let first = m.frames.first else { continue }
                    continuation.yield(Delivery(peer: PeerID(first), frames: Array(m.frames.dropFirst()),
                                                authenticatedKey: m.userID))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func send(_ frames: [[UInt8]], to peer: PeerID) {
        loop.send([peer.bytes] + frames)
    }

    public func release(_ delivery: Delivery) {
        loop.budget?.release(delivery.peer.bytes, delivery.frames.reduce(0) { $0 + $1.count })
    }

    public func close(lingerMs: Int) { loop.stop(lingerMs: Int32(lingerMs)) }
}

/// ZeroMQ DEALER transport for a worker.
public final class ZMQClientTransport: ClientTransport {
    private let loop: ZMQLoop
    public let incoming: AsyncStream<[[UInt8]]>

    public init(context: ZMQContext, spec: SocketSpec, logger: Logger) throws {
        loop = try ZMQLoop(context: context, spec: spec, logger: logger)
        let raw = loop.incoming
        incoming = AsyncStream { continuation in
            let task = Task {
                for await m in raw { continuation.yield(m.frames) }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func send(_ frames: [[UInt8]]) { loop.send(frames) }
    public func reconnect() { loop.reconnect() }
    public var linkProblem: String? { loop.linkProblem.text.withLock { $0 } }
    public func close(lingerMs: Int) { loop.stop(lingerMs: Int32(lingerMs)) }
}
