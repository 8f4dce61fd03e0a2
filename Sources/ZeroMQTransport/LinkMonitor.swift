import CZeroMQ
import Foundation
import Logging
import Synchronization
import Wire

/// Watches a socket's handshakes through libzmq's monitor (a PAIR socket on
/// an inproc endpoint, read on the socket's own thread), so that a CURVE
/// mismatch is named at both ends instead of looking like silence:
/// a worker learns that the coordinator refused its key or that the
/// handshake failed; the coordinator logs failed handshakes (rate-limited).
final class LinkMonitor {
    let socket: ZMQSocket
    private let isServer: Bool
    private let logger: Logger
    private let problem: LinkProblem
    private var connectedWithoutHandshake = 0
    private var limiter = LogLimiter(burst: 5, window: 60)

    static let events = ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED
        | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH

    init(watching target: ZMQSocket, context: ZMQContext, isServer: Bool, problem: LinkProblem, logger: Logger) throws {
        let endpoint = "inproc://oversweep-monitor-\(UInt64.random(in: 0...UInt64.max))"
        guard let handle = target.handle, zmq_socket_monitor(handle, endpoint, Self.events) == 0 else {
            throw WireError.zmq("zmq_socket_monitor")
        }
        socket = try ZMQSocket(context, .pair)
        try socket.connect(endpoint)
        self.isServer = isServer
        self.problem = problem
        self.logger = logger
    }

    /// Handles every waiting event.
    func serve(curve: Bool) {
        while let m = try? socket.receive() {
            guard m.frames.count >= 2, m.frames[0].count >= 6 else { continue }
            let f = m.frames[0]
            let event = Int32(UInt16(f[0]) | UInt16(f[1]) << 8)
            let value = UInt32(f[2]) | UInt32(f[3]) << 8 | UInt32(f[4]) << 16 | UInt32(f[5]) << 24
            let address = String(decoding: m.frames[1], as: UTF8.self)
            isServer ? server(event, value) : client(event, value, address, curve: curve)
        }
    }

    private func server(_ event: Int32, _ value: UInt32) {
        guard event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL || event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL else { return }
        // Refused keys are logged by the ZAP handler, with the key; these never got that far.
        if limiter.admit(now: Date().timeIntervalSinceReferenceDate) {
            logger.warning("a connection failed the handshake (libzmq error 0x\(String(value, radix: 16))): a worker with another coordinator public key (--curve-server-key), or with or without CURVE where this coordinator is not")
        }
    }

    private func client(_ event: Int32, _ value: UInt32, _ address: String, curve: Bool) {
        var found: String?
        switch event {
        case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
            connectedWithoutHandshake = 0
            set(nil)
            return
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
            found = "the coordinator at \(address) refused the handshake (status \(value)): this worker's CURVE public key is not on its --curve-allow list"
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
            found = "the handshake with \(address) failed (libzmq error 0x\(String(value, radix: 16))): "
                + (curve ? "check --curve-server-key (the coordinator's public key) and that the coordinator uses CURVE"
                         : "the coordinator expects CURVE keys (--curve-secret, --curve-server-key)")
        case ZMQ_EVENT_CONNECTED:
            connectedWithoutHandshake += 1
        case ZMQ_EVENT_DISCONNECTED where curve && connectedWithoutHandshake >= 2:
            // The server drops a CURVE hello it cannot decrypt without a word.
            found = "\(address) accepts the connection but closes it during the CURVE handshake: check --curve-server-key (the coordinator's public key)"
        default:
            return
        }
        if let found { set(found) }
    }

    private func set(_ text: String?) {
        let changed = problem.text.withLock { p -> Bool in
            defer { p = text }
            return p != text
        }
        if changed, let text { logger.error("cannot join the coordinator: \(text)") }
    }
}

/// The latest handshake problem of a worker's link, shared between the socket thread and the transport's users.
final class LinkProblem: Sendable {
    let text = Mutex<String?>(nil)
}
