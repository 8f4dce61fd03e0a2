import Foundation
import Logging

/// A worker's identity as the coordinator's socket knows it (the routing id).
public struct PeerID: Hashable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(_ text: String) { self.bytes = Array(text.utf8) }

    public var description: String {
        if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) { return String(decoding: bytes, as: UTF8.self) }
        return "0x" + bytes.map { String(format: "%02x", $0) }.joined()
    }
}

/// A message received by the coordinator: who sent it, its frames, and the
/// CURVE-authenticated key of the sender when encryption is on.
public struct Delivery: Sendable {
    public var peer: PeerID
    public var frames: [[UInt8]]
    public var authenticatedKey: String?

    public init(peer: PeerID, frames: [[UInt8]], authenticatedKey: String? = nil) {
        self.peer = peer
        self.frames = frames
        self.authenticatedKey = authenticatedKey
    }
}

/// The coordinator's side of the link to all workers.
///
/// Implementations guarantee: `send` never blocks and never throws (a
/// message to a vanished peer is dropped — leases and acks make the protocol
/// reliable, not the transport); messages from one peer arrive in order;
/// `incoming` finishes after `close`.
public protocol ServerTransport: Sendable {
    var incoming: AsyncStream<Delivery> { get }
    func send(_ frames: [[UInt8]], to peer: PeerID)
    /// Stops; queued messages get up to `lingerMs` to leave.
    func close(lingerMs: Int)
}

/// A worker's side of the link to the coordinator. Same guarantees as
/// `ServerTransport`; `reconnect` drops the current connection and whatever
/// is queued on it and connects afresh (Paranoid Pirate).
public protocol ClientTransport: Sendable {
    var incoming: AsyncStream<[[UInt8]]> { get }
    func send(_ frames: [[UInt8]])
    func reconnect()
    func close(lingerMs: Int)
}

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
    public func close(lingerMs: Int) { loop.stop(lingerMs: Int32(lingerMs)) }
}
