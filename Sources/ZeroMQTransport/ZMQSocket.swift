import CZeroMQ
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// One libzmq socket. Not Sendable: a socket belongs to the thread that made it
/// (libzmq sockets are not thread-safe), and the compiler keeps it there.
public final class ZMQSocket {
    public enum Kind: Int32, Sendable {
        case router = 6   // ZMQ_ROUTER
        case dealer = 5   // ZMQ_DEALER
        case rep = 4      // ZMQ_REP
        case req = 3      // ZMQ_REQ
        case pair = 0     // ZMQ_PAIR
    }

    /// A received multipart message and the authenticated peer (ZAP "User-Id"), if any.
    public struct Received: Sendable {
        public var frames: [[UInt8]]
        public var userID: String?
    }

    private(set) var handle: UnsafeMutableRawPointer?
    private let context: ZMQContext

    public init(_ context: ZMQContext, _ kind: Kind) throws {
        guard let handle = zmq_socket(context.handle, kind.rawValue) else {
            throw WireError.zmq("zmq_socket")
        }
        self.context = context
        self.handle = handle
        try set(ZMQ_LINGER, 0)
    }

    deinit { close() }

    public func close() {
        if let handle { zmq_close(handle) }
        handle = nil
    }

    private func live() throws -> UnsafeMutableRawPointer {
        guard let handle else { throw WireError(.zmq, "socket already closed") }
        return handle
    }

    public func set(_ option: Int32, _ value: Int32) throws {
        var v = value
        if zmq_setsockopt(try live(), option, &v, MemoryLayout<Int32>.size) != 0 {
            throw WireError.zmq("zmq_setsockopt(\(option))")
        }
    }

    public func set(_ option: Int32, int64 value: Int64) throws {
        var v = value
        if zmq_setsockopt(try live(), option, &v, MemoryLayout<Int64>.size) != 0 {
            throw WireError.zmq("zmq_setsockopt(\(option))")
        }
    }

    public func set(_ option: Int32, bytes: [UInt8]) throws {
        let h = try live()
        let rc = bytes.withUnsafeBytes { zmq_setsockopt(h, option, $0.baseAddress, $0.count) }
        if rc != 0 { throw WireError.zmq("zmq_setsockopt(\(option))") }
    }

    public func set(_ option: Int32, string: String) throws {
        try set(option, bytes: Array(string.utf8))
    }

    public func bind(_ endpoint: String) throws {
        if zmq_bind(try live(), endpoint) != 0 { throw WireError.zmq("bind \(endpoint)") }
    }

    public func connect(_ endpoint: String) throws {
        if zmq_connect(try live(), endpoint) != 0 { throw WireError.zmq("connect \(endpoint)") }
    }

    /// Sends all frames as one message without blocking. Returns false when
    /// the message could not be queued (high-water mark, or with
    /// ROUTER_MANDATORY an unknown peer); throws on other errors.
    @discardableResult
    public func send(_ frames: [[UInt8]]) throws -> Bool {
        let h = try live()
        for (i, frame) in frames.enumerated() {
            let flags = ZMQ_DONTWAIT | (i < frames.count - 1 ? ZMQ_SNDMORE : 0)
            let rc = frame.withUnsafeBytes { zmq_send(h, $0.baseAddress, $0.count, flags) }
            if rc < 0 {
                let e = zmq_errno()
                if e == EAGAIN || e == EHOSTUNREACH {
                    // A failed first frame sends nothing; later frames cannot fail this way.
                    return false
                }
                throw WireError.zmq("zmq_send")
            }
        }
        return true
    }

    /// Receives one whole multipart message, or nil when none is waiting.
    public func receive() throws -> Received? {
        let h = try live()
        var frames: [[UInt8]] = []
        var userID: String?
        while true {
            var msg = zmq_msg_t()
            zmq_msg_init(&msg)
            defer { zmq_msg_close(&msg) }
            let rc = zmq_msg_recv(&msg, h, frames.isEmpty ? ZMQ_DONTWAIT : 0)
            if rc < 0 {
                if zmq_errno() == EAGAIN && frames.isEmpty { return nil }
                throw WireError.zmq("zmq_msg_recv")
            }
            let size = zmq_msg_size(&msg)
            if size > 0, let data = zmq_msg_data(&msg) {
                frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
            } else {
                frames.append([])
            }
            // The routing-id frame a ROUTER prepends carries no metadata; the peer's frames do.
            if userID == nil, let user = zmq_msg_gets(&msg, "User-Id") {
                userID = String(cString: user)
            }
            if zmq_msg_more(&msg) == 0 { break }
        }
        return Received(frames: frames, userID: userID)
    }

    /// The item to put in a `zmq_poll` set for readability of this socket.
    func pollItem() -> zmq_pollitem_t {
        zmq_pollitem_t(socket: handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
    }
}

/// Waits until an item is ready or `timeoutMs` passes (-1 = forever).
/// Returns the items with `revents` filled in.
func zmqPoll(_ items: inout [zmq_pollitem_t], timeoutMs: Int) throws {
    let rc = items.withUnsafeMutableBufferPointer {
        zmq_poll($0.baseAddress, Int32($0.count), timeoutMs)
    }
    if rc < 0 && zmq_errno() != EINTR { throw WireError.zmq("zmq_poll") }
}
