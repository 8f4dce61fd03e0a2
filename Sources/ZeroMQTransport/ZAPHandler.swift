import CZeroMQ
import Foundation
import Logging
import Wire

/// The ZeroMQ authentication handler (RFC 27) that enforces the allow-list
/// of worker public keys. Without one, a CURVE server accepts any client key
/// (docs/protocol.md, "libzmq behaviour this design relies on"). Runs on the socket loop's thread, in the same context.
final class ZAPHandler {
    let socket: ZMQSocket
    private let allowed: Set<String>
    private let logger: Logger
    /// Refusals logged already (address and key): a refused worker retries
    /// every few seconds, and one line per peer says all there is.
    private var reported: Set<String> = []
    private var limiter = LogLimiter(burst: 20, window: 10)

    init(context: ZMQContext, allowed: Set<String>, logger: Logger) throws {
        socket = try ZMQSocket(context, .rep)
        try socket.bind("inproc://zeromq.zap.01")
        self.allowed = allowed
        self.logger = logger
    }

    /// Answers every waiting request.
    func serve() {
        while let request = try? socket.receive() {
            let f = request.frames
            guard f.count >= 6 else { continue }
            let requestID = f[1]
            let address = String(decoding: f[3], as: UTF8.self)
            let mechanism = String(decoding: f[5], as: UTF8.self)
            var key = ""
            if mechanism == "CURVE", f.count >= 7, f[6].count == 32 {
                var text = [CChar](repeating: 0, count: 41)
                _ = f[6].withUnsafeBufferPointer { zmq_z85_encode(&text, $0.baseAddress, 32) }
                key = zString(text)
            }
            let ok = mechanism == "CURVE" && allowed.contains(key)
            if !ok {
                if reported.count >= 10_000 { reported.removeAll() }
                let now = Date().timeIntervalSinceReferenceDate
                if let summary = limiter.summary(now: now) { logger.warning("\(summary)") }
                if reported.insert(address + " " + key).inserted && limiter.admit(now: now) {
                    logger.warning("refused peer \(LogText.clean(address)): \(LogText.clean(mechanism)) key \(key.isEmpty ? "none" : key) is not on the allow-list (logged once per address and key)")
                }
            }
            let reply: [[UInt8]] = [
                Array("1.0".utf8), requestID,
                Array((ok ? "200" : "400").utf8), Array((ok ? "OK" : "key not allowed").utf8),
                Array((ok ? key : "").utf8), [],
            ]
            _ = try? socket.send(reply)
        }
    }
}
