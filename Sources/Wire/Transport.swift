import Foundation

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
    /// The loop is done with `delivery` (it was decoded and handled): its
    /// bytes no longer count against its peer's budget of unprocessed input.
    func release(_ delivery: Delivery)
}

extension ServerTransport {
    public func release(_ delivery: Delivery) {}
}

/// A worker's side of the link to the coordinator. Same guarantees as
/// `ServerTransport`; `reconnect` drops the current connection and whatever
/// is queued on it and connects afresh (Paranoid Pirate).
public protocol ClientTransport: Sendable {
    var incoming: AsyncStream<[[UInt8]]> { get }
    func send(_ frames: [[UInt8]])
    func reconnect()
    func close(lingerMs: Int)
    /// Why the link does not come up, when the transport can tell (e.g. "the
    /// coordinator refused the CURVE handshake"); nil while it is fine or unknown.
    var linkProblem: String? { get }
}

extension ClientTransport {
    public var linkProblem: String? { nil }
}
