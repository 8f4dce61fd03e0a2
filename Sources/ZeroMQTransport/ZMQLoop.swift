import CZeroMQ
import Foundation
import Logging
import Synchronization
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// One dedicated OS thread that owns a socket and runs `zmq_poll`, so no
/// Swift concurrency thread ever blocks in libzmq (docs/protocol.md, "libzmq behaviour this design relies on").
/// Others send by queueing under a mutex and poking an eventfd; received
/// messages leave through an AsyncStream.
final class ZMQLoop: Sendable {
    private enum Command {
        case send([[UInt8]])
        case reconnect
        case stop(lingerMs: Int32)
    }

    let incoming: AsyncStream<ZMQSocket.Received>
    private let continuation: AsyncStream<ZMQSocket.Received>.Continuation
    private let commands = Mutex<[Command]>([])
    private let eventFD: Int32
    private let spec: SocketSpec
    private let context: ZMQContext
    private let logger: Logger
    private let finished = DispatchSemaphore(value: 0)
    /// Coordinator: unhandled input per peer (nil: unbounded).
    let budget: IngressBudget?
    /// Worker: why the link does not come up, from the socket's handshake events.
    let linkProblem = LinkProblem()

    init(context: ZMQContext, spec: SocketSpec, logger: Logger) throws {
        self.context = context
        self.spec = spec
        self.logger = logger
        budget = spec.peerBudgetBytes.map { IngressBudget(peerLimit: $0, totalLimit: spec.totalBudgetBytes) }
        eventFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        if eventFD < 0 { throw WireError(.zmq, "eventfd: \(String(cString: strerror(errno)))") }
        (incoming, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)

        // Sockets are created on the loop thread; a setup error comes back here.
        let ready = DispatchSemaphore(value: 0)
        let setupError = SetupOutcome()
        let thread = Thread { [self] in
            self.run(ready: ready, setupError: setupError)
        }
        thread.name = "oversweep-zmq"
        thread.start()
        ready.wait()
        if let error = setupError.error.withLock({ $0 }) {
            finished.wait()
            close(eventFD)
            throw error
        }
    }

    func send(_ frames: [[UInt8]]) { enqueue(.send(frames)) }
    func reconnect() { enqueue(.reconnect) }

    /// Stops the loop; queued messages get `lingerMs` to leave. Waits for the thread.
    func stop(lingerMs: Int32 = 0) {
        enqueue(.stop(lingerMs: lingerMs))
        finished.wait()
        finished.signal()
    }

    private func enqueue(_ command: Command) {
        commands.withLock { $0.append(command) }
        var one: UInt64 = 1
        _ = write(eventFD, &one, 8)
    }

    private func makeSocket() throws -> ZMQSocket {
        switch spec.role {
        case .router(let endpoints):
            let s = try ZMQSocket(context, .router)
            try s.set(ZMQ_ROUTER_MANDATORY, 1)
            try s.set(ZMQ_ROUTER_HANDOVER, 1)
            try configure(s)
            if let max = spec.maxMessageSize { try s.set(ZMQ_MAXMSGSIZE, int64: max) }
            if case .server(let secret, _) = spec.curve {
                try s.set(ZMQ_CURVE_SERVER, 1)
                try s.set(ZMQ_CURVE_SECRETKEY, string: secret)
                try s.set(ZMQ_ZAP_DOMAIN, string: "oversweep")
            }
            for e in endpoints { try s.bind(e) }
            return s
        case .dealer(let endpoint, let routingID):
            let s = try ZMQSocket(context, .dealer)
            try s.set(ZMQ_ROUTING_ID, string: routingID)
            try configure(s)
            try s.set(ZMQ_RECONNECT_IVL, 200)
            try s.set(ZMQ_RECONNECT_IVL_MAX, 2000)
            if case .client(let keys, let serverKey) = spec.curve {
                try s.set(ZMQ_CURVE_SERVERKEY, string: serverKey)
                try s.set(ZMQ_CURVE_PUBLICKEY, string: keys.publicKey)
                try s.set(ZMQ_CURVE_SECRETKEY, string: keys.secretKey)
            }
            try s.connect(endpoint)
            return s
        }
    }

    private func configure(_ s: ZMQSocket) throws {
        // IPv6 endpoints ("tcp://[::]:5555", "tcp://[::1]:5555") need the option; IPv4 ones do not mind it.
        let endpoints: [String]
        switch spec.role {
        case .router(let bind): endpoints = bind
        case .dealer(let connect, _): endpoints = [connect]
        }
        if endpoints.contains(where: { $0.contains("[") }) { try s.set(ZMQ_IPV6, 1) }
        try s.set(ZMQ_HEARTBEAT_IVL, spec.heartbeatIntervalMs)
        try s.set(ZMQ_HEARTBEAT_TIMEOUT, spec.heartbeatTimeoutMs)
        try s.set(ZMQ_SNDHWM, spec.highWaterMark)
        try s.set(ZMQ_RCVHWM, spec.highWaterMark)
    }

    private func run(ready: DispatchSemaphore, setupError: SetupOutcome) {
        defer {
            continuation.finish()
            finished.signal()
        }
        var zap: ZAPHandler?
        var socket: ZMQSocket
        var monitor: LinkMonitor?
        let isServer: Bool
        if case .router = spec.role { isServer = true } else { isServer = false }
        var dropLog = LogLimiter(burst: 5, window: 10)
        do {
            // The ZAP handler must be bound before the CURVE server socket exists.
            if case .server(_, let allowed) = spec.curve {
                zap = try ZAPHandler(context: context, allowed: allowed, logger: logger)
            }
            socket = try makeSocket()
            monitor = try LinkMonitor(watching: socket, context: context, isServer: isServer, problem: linkProblem, logger: logger)
        } catch {
            setupError.error.withLock { $0 = error as? WireError ?? WireError(.zmq, "\(error)") }
            ready.signal()
            return
        }
        ready.signal()

        while true {
            var items = [socket.pollItem(),
                         zmq_pollitem_t(socket: nil, fd: eventFD, events: Int16(ZMQ_POLLIN), revents: 0)]
            if let monitor { items.append(monitor.socket.pollItem()) }
            if let zap { items.append(zap.socket.pollItem()) }
            do {
                try zmqPoll(&items, timeoutMs: -1)
                if items[0].revents & Int16(ZMQ_POLLIN) != 0 {
                    // Drain a bounded batch so commands are not starved.
                    for _ in 0..<1024 {
                        guard let m = try socket.receive() else { break }
                        if let budget, isServer, let peer = m.frames.first {
                            let bytes = m.frames.dropFirst().reduce(0) { $0 + $1.count }
                            guard budget.admit(peer, bytes) else {
                                if dropLog.admit(now: Date().timeIntervalSinceReferenceDate) {
                                    logger.warning("dropped a message of \(bytes) bytes from peer \(LogText.clean(PeerID(peer).description)): its earlier messages (\(budget.peerLimit) bytes allowed) are not handled yet")
                                }
                                continue
                            }
                        }
                        continuation.yield(m)
                    }
                }
                if let monitor, items[2].revents & Int16(ZMQ_POLLIN) != 0 {
                    monitor.serve(curve: spec.curve != nil)
                }
                if let zap, items[items.count - 1].revents & Int16(ZMQ_POLLIN) != 0 {
                    zap.serve()
                }
                if items[1].revents & Int16(ZMQ_POLLIN) != 0 {
                    var value: UInt64 = 0
                    _ = read(eventFD, &value, 8)
                    let batch = commands.withLock { q -> [Command] in
                        let b = q
                        q.removeAll(keepingCapacity: true)
                        return b
                    }
                    for command in batch {
                        switch command {
                        case .send(let frames):
                            if try !socket.send(frames) {
                                logger.debug("message dropped: peer unreachable or queue full")
                            }
                        case .reconnect:
                            if case .dealer = spec.role {
                                monitor?.socket.close()
                                socket.close()
                                socket = try makeSocket()
                                monitor = try LinkMonitor(watching: socket, context: context, isServer: false, problem: linkProblem, logger: logger)
                            }
                        case .stop(let linger):
                            if linger > 0 { try? socket.set(ZMQ_LINGER, linger) }
                            monitor?.socket.close()
                            socket.close()
                            zap?.socket.close()
                            close(eventFD)
                            return
                        }
                    }
                }
            } catch {
                logger.error("socket loop: \(error)")
                // A broken socket: keep the thread alive for stop(), but back off.
                usleep(100_000)
            }
        }
    }
}

/// Carries a setup error from the loop thread to the thread waiting in init.
private final class SetupOutcome: Sendable {
    let error = Mutex<WireError?>(nil)
}
