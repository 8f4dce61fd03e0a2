import Foundation
import TrialContract

/// A trial line as `RecordSkimmer` reads it: what `status` counts, and in
/// `.report` mode what a report keeps of a trial (its curves only by name).
public struct SkimmedTrial: Sendable {
    public var id: TrialID
    public var sweep: String
    public var status: TrialStatus
    /// The rest is read only with `RecordSkimmer.Want.report`.
    public var message: String?
    public var stepsRun = 0
    public var metrics: [String: Double] = [:]
    public var config = TrialConfig()
    /// The curves asked for, where the trial has them.
    public var curves: [String: Curve] = [:]
    /// The names of every curve the trial has, in file order.
    public var curveNames: [String] = []
}

/// Checks a trial line exactly as `RecordReader` reads it — every member's
/// syntax and type, every number by its grammar and range, the config by
/// `ConfigSkimmer` — while converting only what the caller wants. It accepts
/// a line if and only if `RecordReader` does (the mutation tests check both
/// ways); a line it refuses goes to the full decoder, as with `RecordReader`.
/// So `status` counts the same lines unreadable as `export`, at a fraction
/// of the cost: most of a line is curve values, which it never converts.
public struct RecordSkimmer {
    public enum Want: Sendable {
        /// Id, sub-sweep and status (`status`).
        case counts
        /// Also message, steps run, metrics, config, the names of all curves
        /// and the values of the curves named here (`report`).
        case report(curves: Set<String>)
    }

    public let want: Want
    private var configs = ConfigSkimmer()

    public init(_ want: Want) { self.want = want }

    private var report: Bool { if case .report = want { return true } else { return false } }
    private var wanted: Set<String> { if case .report(let c) = want { return c } else { return [] } }

    public mutating func read(_ bytes: UnsafeRawBufferPointer) -> SkimmedTrial? { read(Array(bytes)) }

    public mutating func read(_ line: [UInt8]) -> SkimmedTrial? {
        var r = JSONScanner(line)
        var seen = Set<String>()
        var kind = false, id: String?, sweep: String?, status: TrialStatus?, message: String??
        var metrics = false, stepsRun: Int?, seconds = false, worker = false, host = false, attempt = false
        var started = false, ended = false, config = false
        var out = SkimmedTrial(id: TrialID(rawValue: ""), sweep: "", status: .ok)
        // Bare value arrays' lengths (each must be that of curve_steps) and wanted ones waiting for the steps.
        var bareLengths: [Int] = [], stepsCount: Int?, steps: [Int]?, bare: [(String, [Double])] = []
        let report = self.report, wanted = self.wanted
        var names: [Range<Int>] = []
        guard r.objectSkim({ r in
            let key = r.lastStringValue()
            // Each member at most once, as RecordReader's `where x == nil`.
            guard seen.insert(key).inserted else { return false }
            switch key {
            case "kind": kind = r.skipString() && r.lastStringIs("trial"); return kind
            case "id": guard r.skipString() else { return false }; id = r.lastStringValue(); return true
            case "sweep": guard r.skipString() else { return false }; sweep = r.lastStringValue(); return true
            case "status": guard r.skipString() else { return false }; status = TrialStatus(rawValue: r.lastStringValue()); return status != nil
            case "message": message = r.nullableString(); return message != nil
            case "metrics":
                if report {
                    guard let m = r.numbers() else { return false }
                    out.metrics = m
                    metrics = true
                } else {
                    metrics = Self.skimNames(&r, &names) { $0.skipDouble() }
                }
                return metrics
            case "steps_run": stepsRun = r.int(); return stepsRun != nil
            case "stop": return r.skipString() && StopReason(rawValue: r.lastStringValue()) != nil
            case "halving": return HalvingTag.scan(&r) != nil
            case "seconds": seconds = r.skipDouble(); return seconds
            case "metric_seconds": return r.skipDouble()
            case "worker": worker = r.skipString(); return worker
            case "host": host = r.skipString(); return host
            case "attempt": attempt = r.skipInt(); return attempt
            case "build", "blas", "crc32": return r.skipString()
            case "started_at": started = r.skipString() && Timestamp.parse(r.lastStringValue()) != nil; return started
            case "ended_at": ended = r.skipString() && Timestamp.parse(r.lastStringValue()) != nil; return ended
            case "config":
                if report {
                    guard let c = r.config() else { return false }
                    out.config = c
                    config = true
                } else {
                    config = configs.skim(&r)
                }
                return config
            case "curve_steps":
                if report {
                    steps = r.array { $0.int() }
                    stepsCount = steps?.count
                } else {
                    stepsCount = r.arraySkim { $0.skipInt() }
                }
                return stepsCount != nil
            case "curves":
                return Self.skimNames(&r, &names) { r in
                    let name = report ? r.lastStringValue() : ""
                    if report { out.curveNames.append(name) }
                    if r.peek() == UInt8(ascii: "[") {
                        if report && wanted.contains(name) {
                            guard let v = r.array({ $0.double() }) else { return false }
                            bare.append((name, v))
                            bareLengths.append(v.count)
                            return true
                        }
                        guard let n = r.skipDoubleArray() else { return false }
                        bareLengths.append(n)
                        return true
                    }
                    if report && wanted.contains(name) {
                        guard let c = r.curve() else { return false }
                        out.curves[name] = c
                        return true
                    }
                    return Self.skimCurve(&r)
                }
            default: return false
            }
        }), r.atEnd(), kind, let id, let status, metrics, stepsRun != nil, seconds, worker, host, attempt,
              started, ended, config, bareLengths.allSatisfy({ $0 == stepsCount }) else { return nil }
        out.id = TrialID(rawValue: id)
        out.sweep = sweep ?? ""
        out.status = status
        out.message = message ?? nil
        out.stepsRun = stepsRun ?? 0
        if let steps { for (name, values) in bare { out.curves[name] = Curve(steps: steps, values: values) } }
        return out
    }

    /// `{"steps":[…],"values":[…]}` as `JSONScanner.curve()` reads it, unconverted.
    static func skimCurve(_ r: inout JSONScanner) -> Bool {
        var steps: Int?, values: Int?
        return r.objectSkim { r in
            if r.lastStringIs("steps"), steps == nil { steps = r.arraySkim { $0.skipInt() }; return steps != nil }
            if r.lastStringIs("values"), values == nil { values = r.skipDoubleArray(); return values != nil }
            return false
        } && steps != nil && steps == values
    }

    /// An object whose member names must be distinct strings (as
    /// `JSONScanner.dictionary` requires), each value read by `value`.
    /// Names in ascending ASCII order (as this codec writes them) are
    /// distinct by construction; any others are compared as strings.
    private static func skimNames(_ r: inout JSONScanner, _ names: inout [Range<Int>], _ value: (inout JSONScanner) -> Bool) -> Bool {
        names.removeAll(keepingCapacity: true)
        var ordered = true
        var previous: Range<Int>?
        let ok = r.objectSkim { r in
            let name = r.lastString
            if ordered {
                let ascii = r.bytes(name).allSatisfy { $0 < 0x80 }
                if !ascii || previous.map({ !r.bytes($0).lexicographicallyPrecedes(r.bytes(name)) }) ?? false { ordered = false }
            }
            names.append(name)
            previous = name
            return value(&r)
        }
        guard ok else { return false }
        if ordered { return true }
        var distinct = Set<String>()
        return names.allSatisfy { distinct.insert(String(decoding: r.bytes($0), as: UTF8.self)).inserted }
    }
}
