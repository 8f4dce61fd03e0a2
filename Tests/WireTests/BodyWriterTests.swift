import Foundation
import Testing
import TrialContract
@testable import Wire

/// The direct body writer and results reader must mean exactly what
/// JSONEncoder/JSONDecoder mean for these types (the wire protocol is JSON of
/// the Codable types; docs/protocol.md).
@Suite struct BodyWriterTests {
    static func report(_ n: Int, config: TrialConfig? = nil, message: String? = nil) -> TrialResultReport {
        var curve = Curve()
        curve.append(step: 0, value: 1.5)
        curve.append(step: 10, value: 1e-7)
        return TrialResultReport(
            leaseID: 0x00ab_cdef_0000_0001 + UInt64(n), trialID: TrialID(rawValue: String(repeating: "f", count: 64)),
            sweep: "s-\(n)", attempt: n + 1, config: config,
            result: TrainingResult(status: n % 3 == 0 ? .ok : (n % 3 == 1 ? .diverged : .failed), message: message,
                                   metrics: ["train_loss": 0.25 * Double(n), "test_error": -3e-12, "n": 12],
                                   curves: n % 2 == 0 ? ["train_loss": curve] : [:], stepsRun: 10 * n,
                                   timing: Timing(seconds: 1.0 / 3.0, metricSeconds: 0)),
            startedAt: Date(timeIntervalSince1970: 1_790_000_000.5), endedAt: Date(timeIntervalSince1970: 1_790_000_001.25))
    }

    static var messages: [Message] {
        var full = TrialConfig()
        full.noiseStd = 0.25
        full.dataFile = "data/\"q\"\\x.csv"
        full.initOutputVar = 1e-3
        full.namedSteps = [1, 2, 3]
        full.seed = .max
        return [
            .lease(Lease(leaseID: 1 << 40, expiresIn: 30, trials: [])),
            .lease(Lease(leaseID: 7, expiresIn: 2.5, trials: (0..<5).map {
                LeasedTrial(id: TrialID(rawValue: "id\($0)"), sweep: "sw\"eep", attempt: $0 + 1, config: $0 == 0 ? full : CodecTests.config(seed: UInt64($0)))
            })),
            .result(Results(reports: [])),
            .result(Results(reports: (0..<4).map { report($0) })),
            .result(Results(reports: [report(1, message: "loss is NaN at step 3\nline two"), report(2, config: full)])),
            .ack(Ack(trials: [])),
            .ack(Ack(trials: [TrialID(rawValue: "ab"), TrialID(rawValue: "c\"d")])),
            .ready(WorkerStatus(capacity: 3, held: [7, 1 << 60], lastLease: 9)),
            .heartbeat(WorkerStatus(capacity: 0, held: [], lastLease: 0)),
        ]
    }

    /// What JSONEncoder writes for the message body, parsed.
    static func foundationBody(_ m: Message) throws -> NSObject? {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .secondsSince1970
        let data: Data
        switch m {
        case .lease(let x): data = try e.encode(x)
        case .result(let x): data = try e.encode(x)
        case .ack(let x): data = try e.encode(x)
        case .ready(let x): data = try e.encode(x)
        case .heartbeat(let x): data = try e.encode(x)
        default: return nil
        }
        return try JSONSerialization.jsonObject(with: data) as? NSObject
    }

    @Test func directBodiesHoldWhatJSONEncoderWrites() throws {
        for m in Self.messages {
            let frames = try Codec.encode(Envelope(sweepID: "s", incarnation: 1, message: m))
            let ours = try JSONSerialization.jsonObject(with: Data(frames[1])) as? NSObject
            let theirs = try Self.foundationBody(m)
            #expect(theirs != nil && ours == theirs, "\(m.kind): \(String(decoding: frames[1], as: UTF8.self))")
            #expect(try Codec.decode(frames).message == m)
        }
    }

    @Test func bodyReaderAgreesWithJSONDecoderOnResults() throws {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .secondsSince1970
        let e = JSONEncoder()
        e.dateEncodingStrategy = .secondsSince1970
        for n in 0..<6 {
            let results = Results(reports: (0...n).map { Self.report($0) })
            var w = JSONWriter()
            try BodyWriter.results(results, to: &w)
            let fast = try #require(BodyReader.results(w.bytes), "\(String(decoding: w.bytes, as: UTF8.self))")
            #expect(fast == results)
            #expect(fast == (try d.decode(Results.self, from: Data(w.bytes))))
            // JSONEncoder's spelling (other spacing of numbers, escaped slashes) reads the same, directly or not.
            let foundation = Array(try e.encode(results))
            #expect(try Codec.decode([Codec.encode(Envelope(sweepID: "s", incarnation: 1, message: .heartbeat(nil)))[0].replacingKind(.result),
                                      foundation]).message == .result(results))
        }
    }

    @Test func bodyReaderLeavesAnythingUnusualToJSONDecoder() throws {
        let ok = #"{"reports":[{"leaseID":1,"trialID":"a","sweep":"","attempt":1,"result":{"status":"ok","metrics":{},"curves":{},"steps_run":0,"timing":{"seconds":0,"metric_seconds":0}},"startedAt":0,"endedAt":1}]}"#
        #expect(BodyReader.results(Array(ok.utf8)) != nil)
        let unusual = [
            ok.replacingOccurrences(of: #""sweep":"""#, with: #""sweep":"","config":{}"#),  // a resend's config
            ok.replacingOccurrences(of: #""trialID":"a""#, with: #""trialID":"\u0061""#),  // an escape
            ok.replacingOccurrences(of: #""steps_run":0"#, with: #""steps_run":0.5"#),
            ok.replacingOccurrences(of: #""endedAt":1"#, with: #""endedAt":.5"#),
            ok.replacingOccurrences(of: #""endedAt":1"#, with: #""endedAt":01"#),
            ok.replacingOccurrences(of: #""status":"ok""#, with: #""status":"fine""#),
            ok.replacingOccurrences(of: #","attempt":1"#, with: ""),
            ok + "x", String(ok.dropLast()), "", "{", "[]",
        ]
        for text in unusual {
            #expect(BodyReader.results(Array(text.utf8)) == nil, "\(text)")
        }
        // Every prefix of a valid body is refused without crashing.
        for cut in 0..<ok.utf8.count { #expect(BodyReader.results(Array(ok.utf8.prefix(cut))) == nil) }
    }

    @Test func bodyReaderReadsLeasesAndResendsAsJSONDecoderDoes() throws {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .secondsSince1970
        for n in 1..<6 {
            let lease = Lease(leaseID: UInt64(n) << 33, expiresIn: 1.5 * Double(n), trials: (0..<n).map {
                LeasedTrial(id: TrialID(rawValue: "t\($0)"), sweep: "s", attempt: $0 + 1, config: CodecTests.config(seed: UInt64($0 * 7)))
            })
            var w = JSONWriter()
            try BodyWriter.lease(lease, to: &w)
            let fast = try #require(BodyReader.lease(w.bytes), "\(String(decoding: w.bytes, as: UTF8.self))")
            #expect(fast == lease)
            #expect(fast == (try d.decode(Lease.self, from: Data(w.bytes))))
            // A resend carries the config: read directly too.
            let resend = Results(reports: [Self.report(n, config: CodecTests.config(seed: UInt64(n)))])
            var rw = JSONWriter()
            try BodyWriter.results(resend, to: &rw)
            #expect(BodyReader.results(rw.bytes) == resend)
        }
        let ok = #"{"leaseID":1,"expiresIn":2,"trials":[]}"#
        #expect(BodyReader.lease(Array(ok.utf8)) == Lease(leaseID: 1, expiresIn: 2, trials: []))
        for text in [ok + ",", #"{"leaseID":1,"leaseID":2,"expiresIn":2,"trials":[]}"#, #"{"leaseID":-1,"expiresIn":2,"trials":[]}"#,
                     #"{"leaseID":1,"expiresIn":2,"trials":[{"id":"a","sweep":"","attempt":1,"config":{}}]}"#, "{}", ""] {
            #expect(BodyReader.lease(Array(text.utf8)) == nil, "\(text)")
        }
        for cut in 0..<ok.utf8.count { #expect(BodyReader.lease(Array(ok.utf8.prefix(cut))) == nil) }
    }

    @Test func mutatedBodiesNeverCrashAndNeverDisagreeWithJSONDecoder() throws {
        // Whatever the direct reader accepts, JSONDecoder must accept with the same value.
        let d = JSONDecoder()
        d.dateDecodingStrategy = .secondsSince1970
        let lease = Lease(leaseID: 9, expiresIn: 2, trials: (0..<2).map {
            LeasedTrial(id: TrialID(rawValue: "t\($0)"), sweep: "s", attempt: 1, config: CodecTests.config(seed: UInt64($0)))
        })
        var w = JSONWriter()
        try BodyWriter.lease(lease, to: &w)
        let base = w.bytes
        let alphabet = Array(#"{}[]:,"-.0123456789eE \natrufl"#.utf8)
        var state: UInt64 = 0x1234_5678
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33)
        }
        var accepted = 0
        for _ in 0..<3000 {
            var bytes = base
            for _ in 0..<(1 + next() % 3) {
                let at = next() % bytes.count
                switch next() % 3 {
                case 0: bytes[at] = alphabet[next() % alphabet.count]
                case 1: bytes.remove(at: at)
                default: bytes.insert(alphabet[next() % alphabet.count], at: at)
                }
            }
            guard let fast = BodyReader.lease(bytes) else { continue }
            accepted += 1
            let slow = try? d.decode(Lease.self, from: Data(bytes))
            #expect(slow == fast, "\(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(accepted > 0, "some mutations (a digit changed) stay valid")
    }

    @Test func nonFiniteNumbersAreRefusedLikeJSONEncoderDoes() {
        var r = Self.report(0)
        r.result.metrics["x"] = .nan
        #expect(throws: (any Error).self) { try Codec.encode(Envelope(sweepID: "s", incarnation: 1, message: .result(Results(reports: [r])))) }
        var c = TrialConfig()
        c.lr = .infinity
        let lease = Lease(leaseID: 1, expiresIn: 1, trials: [LeasedTrial(id: TrialID(rawValue: "a"), attempt: 1, config: c)])
        #expect(throws: (any Error).self) { try Codec.encode(Envelope(sweepID: "s", incarnation: 1, message: .lease(lease))) }
    }
}

extension Array where Element == UInt8 {
    /// A header frame with another message kind (byte 6).
    func replacingKind(_ kind: MessageKind) -> [UInt8] {
        var copy = self
        copy[6] = kind.rawValue
        return copy
    }
}
