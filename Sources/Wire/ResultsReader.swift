import Foundation
import Sweep
import Training

/// Reads a `result` body the way this build writes it (`BodyWriter.results`)
/// without Foundation's `JSONDecoder`: one pass over the bytes, no
/// intermediate tree. Returns nil for anything it does not expect (a config,
/// an escaped string, an unknown member, malformed JSON …): the caller then
/// decodes with `JSONDecoder`, which accepts what it accepts and names the
/// problem otherwise. So this is only ever a shortcut, never a second
/// definition of what is valid.
struct ResultsReader {
    private let b: [UInt8]
    private var i = 0

    private init(_ bytes: [UInt8]) { b = bytes }

    static func read(_ body: [UInt8]) -> Results? {
        var r = ResultsReader(body)
        guard r.consume("{"), let key = r.string(), key == "reports", r.consume(":"), r.consume("[") else { return nil }
        var reports: [TrialResultReport] = []
        if !r.consume("]") {
            repeat {
                guard let report = r.report() else { return nil }
                reports.append(report)
            } while r.consume(",")
            guard r.consume("]") else { return nil }
        }
        guard r.consume("}") else { return nil }
        r.skipSpace()
        guard r.i == r.b.count else { return nil }
        return Results(reports: reports)
    }

    // MARK: Message parts

    private mutating func report() -> TrialResultReport? {
        var leaseID: UInt64?, trialID: String?, sweep: String?, attempt: Int?
        var result: TrainingResult?, started: Double?, ended: Double?
        guard object({ r, key in
            switch key {
            case "leaseID": leaseID = r.uint()
            case "trialID": trialID = r.string()
            case "sweep": sweep = r.string()
            case "attempt": attempt = r.int()
            case "result": result = r.trainingResult()
            case "startedAt": started = r.double()
            case "endedAt": ended = r.double()
            default: return false  // a config (a resend) or a member this build does not know
            }
            return true
        }), let leaseID, let trialID, let sweep, let attempt, let result, let started, let ended else { return nil }
        return TrialResultReport(leaseID: leaseID, trialID: TrialID(rawValue: trialID), sweep: sweep, attempt: attempt,
                                 config: nil, result: result, startedAt: Date(timeIntervalSince1970: started),
                                 endedAt: Date(timeIntervalSince1970: ended))
    }

    private mutating func trainingResult() -> TrainingResult? {
        var status: TrialStatus?, message: String?, metrics: [String: Double]?, curves: [String: Curve]?
        var stepsRun: Int?, timing: Timing?
        guard object({ r, key in
            switch key {
            case "status": status = r.string().flatMap(TrialStatus.init(rawValue:)); return status != nil
            case "message":
                if r.literal("null") { message = nil; return true }
                message = r.string()
                return message != nil
            case "metrics":
                var m: [String: Double] = [:]
                guard r.object({ r, name in
                    guard let v = r.double() else { return false }
                    m[name] = v
                    return true
                }) else { return false }
                metrics = m
            case "curves":
                var c: [String: Curve] = [:]
                guard r.object({ r, name in
                    guard let curve = r.curve() else { return false }
                    c[name] = curve
                    return true
                }) else { return false }
                curves = c
            case "steps_run": stepsRun = r.int()
            case "timing":
                var seconds: Double?, metricSeconds: Double?
                guard r.object({ r, key in
                    switch key {
                    case "seconds": seconds = r.double(); return seconds != nil
                    case "metric_seconds": metricSeconds = r.double(); return metricSeconds != nil
                    default: return false
                    }
                }), let seconds, let metricSeconds else { return false }
                timing = Timing(seconds: seconds, metricSeconds: metricSeconds)
            default: return false
            }
            return true
        }), let status, let metrics, let curves, let stepsRun, let timing else { return nil }
        return TrainingResult(status: status, message: message, metrics: metrics, curves: curves, stepsRun: stepsRun, timing: timing)
    }

    private mutating func curve() -> Curve? {
        var steps: [Int]?, values: [Double]?
        guard object({ r, key in
            switch key {
            case "steps": steps = r.array { $0.int() }; return steps != nil
            case "values": values = r.array { $0.double() }; return values != nil
            default: return false
            }
        }), let steps, let values else { return nil }
        return Curve(steps: steps, values: values)
    }

    // MARK: JSON pieces

    /// `{ "key": value, … }`; `member` reads the value and returns false to give up.
    private mutating func object(_ member: (inout ResultsReader, String) -> Bool) -> Bool {
        guard consume("{") else { return false }
        if consume("}") { return true }
        repeat {
            guard let key = string(), consume(":"), member(&self, key) else { return false }
        } while consume(",")
        return consume("}")
    }

    private mutating func array<T>(_ element: (inout ResultsReader) -> T?) -> [T]? {
        guard consume("[") else { return nil }
        var out: [T] = []
        if consume("]") { return out }
        repeat {
            guard let v = element(&self) else { return nil }
            out.append(v)
        } while consume(",")
        return consume("]") ? out : nil
    }

    private mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    private mutating func consume(_ c: Unicode.Scalar) -> Bool {
        skipSpace()
        guard i < b.count, b[i] == UInt8(ascii: c) else { return false }
        i += 1
        return true
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        skipSpace()
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { return false }
        let matches = word.withUTF8Buffer { w in (0..<n).allSatisfy { b[i + $0] == w[$0] } }
        if matches { i += n }
        return matches
    }

    /// A string without escapes or control characters (nil otherwise: the slow path handles those).
    private mutating func string() -> String? {
        guard consume("\"") else { return nil }
        let start = i
        while i < b.count, b[i] != UInt8(ascii: "\"") {
            if b[i] == UInt8(ascii: "\\") || b[i] < 0x20 { return nil }
            i += 1
        }
        guard i < b.count else { return nil }
        defer { i += 1 }
        return String(validating: b[start..<i], as: UTF8.self)
    }

    /// The text of a JSON number (RFC 8259 grammar: `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`).
    private mutating func numberText() -> String? {
        skipSpace()
        let start = i
        func isDigit(_ at: Int) -> Bool { at < b.count && b[at] >= UInt8(ascii: "0") && b[at] <= UInt8(ascii: "9") }
        func digits() -> Bool {
            guard isDigit(i) else { return false }
            while isDigit(i) { i += 1 }
            return true
        }
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        if i < b.count, b[i] == UInt8(ascii: "0") { i += 1 } else if !digits() { return nil }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() else { return nil }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() else { return nil }
        }
        guard i - start <= 40 else { return nil }
        return String(decoding: b[start..<i], as: UTF8.self)
    }

    private mutating func double() -> Double? {
        guard let t = numberText(), let v = Double(t), v.isFinite else { return nil }
        return v
    }

    private mutating func int() -> Int? { numberText().flatMap { Int($0) } }
    private mutating func uint() -> UInt64? { numberText().flatMap { UInt64($0) } }
}
