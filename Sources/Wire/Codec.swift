import Foundation
import TrialContract

/// Binary-safe framing: every message is two frames,
///
///     header: "OSWP" | version u16 BE | kind u8 | flags u8 | incarnation u64 BE | sweep id (UTF-8, ≤ 128 B)
///     body:   JSON of the kind's payload (`{}` for a coordinator heartbeat)
///
/// The header is checked before the body is parsed, so a peer of another
/// version is recognised without guessing at its JSON (docs/protocol.md).
public enum Codec {
    static let magic: [UInt8] = Array("OSWP".utf8)
    static let headerSize = 16
    static let maxSweepIDBytes = 128

    public static func encode(_ envelope: Envelope) throws -> [[UInt8]] {
        var header = magic
        header.reserveCapacity(headerSize + envelope.sweepID.utf8.count)
        header.append(UInt8(envelope.version >> 8)); header.append(UInt8(envelope.version & 0xff))
        header.append(envelope.message.kind.rawValue)
        header.append(0)
        for shift in stride(from: 56, through: 0, by: -8) { header.append(UInt8((envelope.incarnation >> UInt64(shift)) & 0xff)) }
        header.append(contentsOf: envelope.sweepID.utf8.prefix(maxSweepIDBytes))
        return [header, try body(envelope.message)]
    }

    private static func body(_ message: Message) throws -> [UInt8] {
        // The per-trial messages go through the direct writer (BodyWriter);
        // the rare ones through JSONEncoder.
        switch message {
        case .lease(let m):
            var w = JSONWriter(capacity: 256 + 1536 * m.trials.count)
            try BodyWriter.lease(m, to: &w)
            return w.bytes
        case .result(let m):
            var w = JSONWriter(capacity: 128 + 384 * m.reports.count)
            try BodyWriter.results(m, to: &w)
            return w.bytes
        case .ack(let m):
            var w = JSONWriter(capacity: 16 + 68 * m.trials.count)
            BodyWriter.ack(m, to: &w)
            return w.bytes
        case .ready(let m):
            var w = JSONWriter(capacity: 64 + 21 * m.held.count)
            BodyWriter.status(m, to: &w)
            return w.bytes
        case .heartbeat(let m):
            guard let m else { return Array("{}".utf8) }
            var w = JSONWriter(capacity: 64 + 21 * m.held.count)
            BodyWriter.status(m, to: &w)
            return w.bytes
        default:
            break
        }
        let e = JSONEncoder()
        e.dateEncodingStrategy = .secondsSince1970
        switch message {
        case .hello(let m): return Array(try e.encode(m))
        case .welcome(let m): return Array(try e.encode(m))
        case .bye(let m): return Array(try e.encode(m))
        case .done(let m): return Array(try e.encode(m))
        case .reject(let m): return Array(try e.encode(m))
        case .ready, .lease, .result, .ack, .heartbeat: return []  // written above
        }
    }

    /// The header fields alone; throws `.malformed` or `.version`.
    public static func header(_ frames: [[UInt8]]) throws -> (version: UInt16, kind: MessageKind, incarnation: UInt64, sweepID: String) {
        guard frames.count == 2 else { throw WireError(.malformed, "expected 2 frames, got \(frames.count)") }
        let h = frames[0]
        guard h.count >= headerSize, h[0..<4].elementsEqual(magic) else {
            throw WireError(.malformed, "bad header (\(h.count) bytes, no OSWP magic)")
        }
        let version = UInt16(h[4]) << 8 | UInt16(h[5])
        guard version == wireProtocolVersion else {
            throw WireError(.version, "protocol version \(version), this build speaks \(wireProtocolVersion)")
        }
        guard let kind = MessageKind(rawValue: h[6]) else { throw WireError(.malformed, "unknown message kind \(h[6])") }
        var incarnation: UInt64 = 0
        for i in 8..<16 { incarnation = incarnation << 8 | UInt64(h[i]) }
        guard h.count - headerSize <= maxSweepIDBytes, let sweep = String(validating: h[headerSize...], as: UTF8.self) else {
            throw WireError(.malformed, "bad sweep id in header")
        }
        return (version, kind, incarnation, sweep)
    }

    public static func decode(_ frames: [[UInt8]]) throws -> Envelope {
        let h = try header(frames)
        // Leases and results (once or more per trial) are read directly;
        // anything else, or anything odd, goes to JSONDecoder, whose errors
        // name the problem.
        if h.kind == .result, let results = BodyReader.results(frames[1]) {
            return Envelope(version: h.version, sweepID: h.sweepID, incarnation: h.incarnation, message: .result(results))
        }
        if h.kind == .lease, let lease = BodyReader.lease(frames[1]) {
            return Envelope(version: h.version, sweepID: h.sweepID, incarnation: h.incarnation, message: .lease(lease))
        }
        let d = JSONDecoder()
        d.dateDecodingStrategy = .secondsSince1970
        let body = Data(frames[1])
        let message: Message
        do {
            switch h.kind {
            case .hello: message = .hello(try d.decode(Hello.self, from: body))
            case .welcome: message = .welcome(try d.decode(Welcome.self, from: body))
            case .ready: message = .ready(try d.decode(WorkerStatus.self, from: body))
            case .lease: message = .lease(try d.decode(Lease.self, from: body))
            case .result:
                message = .result(try d.decode(Results.self, from: body))
            case .ack: message = .ack(try d.decode(Ack.self, from: body))
            case .heartbeat:
                message = .heartbeat(body.count <= 2 ? nil : try d.decode(WorkerStatus.self, from: body))
            case .bye: message = .bye(try d.decode(Bye.self, from: body))
            case .done: message = .done(try d.decode(Done.self, from: body))
            case .reject: message = .reject(try d.decode(Reject.self, from: body))
            }
        } catch {
            throw WireError(.malformed, "\(h.kind) body is not valid: \(Self.brief(error))")
        }
        return Envelope(version: h.version, sweepID: h.sweepID, incarnation: h.incarnation, message: message)
    }

    static func brief(_ error: any Error) -> String {
        if case DecodingError.keyNotFound(let key, _) = error { return "missing field \(key.stringValue)" }
        if case DecodingError.typeMismatch(_, let c) = error { return "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: "."))" }
        if case DecodingError.dataCorrupted(let c) = error { return c.debugDescription }
        return "\(error)"
    }
}
