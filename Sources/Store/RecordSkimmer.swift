import Foundation
import TrialContract

/// A trial line as `RecordSkimmer` reads it: what `status` counts, and in
/// `.report` mode the whole record with only the curves asked for.
public struct SkimmedTrial: Sendable {
    public var id: TrialID
    public var sweep: String
    public var status: TrialStatus
    /// With `RecordSkimmer.Want.report`: the record as `RecordReader` reads
    /// it, except that its curves are only those asked for (where it has them).
    public var record: TrialRecord?
    /// With `.report`: the names of every curve the trial has, in file order.
    public var curveNames: [String] = []
}

/// Checks a trial line exactly as `RecordReader` reads it — every member's
/// syntax and type, every number by its grammar and range, the config by
/// `ConfigSkimmer` — while converting only what the caller wants. It accepts
/// a line if and only if `RecordReader` does (the mutation tests check both
/// ways); a line it refuses goes to the full decoder, as with `RecordReader`.
/// So `status` counts the same lines unreadable as `export`, at a fraction
/// of the cost: most of a line is curve values, which it never converts.
public struct RecordSkimmer: Sendable {
    public enum Want: Sendable {
        /// Id, sub-sweep and status (`status`).
        case counts
        /// The whole record, with the values of the curves named here only,
        /// and the names of all its curves (`report`).
        case report(curves: Set<String>)
    }

    public let want: Want
    private var configs = ConfigSkimmer()
    /// Strings that repeat from line to line (metric names, sub-sweep, worker,
    /// build): one copy each, so a million records do not hold a million.
    private var strings = StringPool()
    private var lastSteps: [Int] = []

    public init(_ want: Want) { self.want = want }

    private var report: Bool { if case .report = want { return true } else { return false } }
    private var wanted: Set<String> { if case .report(let c) = want { return c } else { return [] } }

    public mutating func read(_ bytes: UnsafeRawBufferPointer) -> SkimmedTrial? { read(Array(bytes)) }

    public mutating func read(_ line: [UInt8]) -> SkimmedTrial? {
        var r = JSONScanner(line)
        var seen: UInt32 = 0
        var lastMember = -1
        var kind = false, id: String?, sweep: String?, status: TrialStatus?, message: String??
        var metrics = false, stepsRun: Int?, seconds = false, worker = false, host = false, attempt = false
        var started = false, ended = false, config = false
        var out = SkimmedTrial(id: TrialID(rawValue: ""), sweep: "", status: .ok)
        // What report mode converts (RecordReader's values).
        var metricValues: [String: Double] = [:], stop: StopReason?, halving: HalvingTag?, secondsValue = 0.0, metricSeconds: Double?
        var workerName = "", hostName = "", attemptValue = 0, startedAt = Date(), endedAt = Date(), build: String?, blas: String?
        var configValue = TrialConfig(), curves: [String: Curve] = [:]
        // Bare value arrays' lengths (each must be that of curve_steps) and wanted ones waiting for the steps.
        var bareLengths: [Int] = [], stepsCount: Int?, steps: [Int]?, bare: [(String, [Double])] = []
        let report = self.report, wanted = self.wanted
        var names: [Range<Int>] = []
        guard r.objectSkim({ r in
            // Each member at most once, as RecordReader's `where x == nil`; any other name refused, as there.
            guard let member = Self.member(r, after: &lastMember), seen & (1 << member.rawValue) == 0 else { return false }
            seen |= 1 << member.rawValue
            switch member {
            case .kind: kind = r.skipString() && r.lastStringIs("trial"); return kind
            case .id: guard r.skipString() else { return false }; id = r.lastStringValue(); return true
            case .sweep: guard r.skipString() else { return false }; sweep = strings.take(r); return true
            case .status: guard r.skipString() else { return false }; status = TrialStatus(rawValue: r.lastStringValue()); return status != nil
            case .message: message = r.nullableString(); return message != nil
            case .metrics:
                if report {
                    metrics = r.objectSkim { r in
                        let name = strings.take(r)
                        guard let v = r.double(), metricValues.updateValue(v, forKey: name) == nil else { return false }
                        return true
                    }
                } else {
                    metrics = Self.skimNames(&r, &names) { $0.skipDouble() }
                }
                return metrics
            case .stepsRun: stepsRun = r.int(); return stepsRun != nil
            case .stop: guard r.skipString() else { return false }; stop = StopReason(rawValue: r.lastStringValue()); return stop != nil
            case .halving: halving = HalvingTag.scan(&r); return halving != nil
            case .seconds:
                if report { guard let v = r.double() else { return false }; secondsValue = v; seconds = true } else { seconds = r.skipDouble() }
                return seconds
            case .metricSeconds:
                if report { metricSeconds = r.double(); return metricSeconds != nil }
                return r.skipDouble()
            case .worker: worker = r.skipString(); if worker && report { workerName = strings.take(r) }; return worker
            case .host: host = r.skipString(); if host && report { hostName = strings.take(r) }; return host
            case .attempt:
                if report { guard let v = r.int() else { return false }; attemptValue = v; attempt = true } else { attempt = r.skipInt() }
                return attempt
            case .build: guard r.skipString() else { return false }; if report { build = strings.take(r) }; return true
            case .blas: guard r.skipString() else { return false }; if report { blas = strings.take(r) }; return true
            case .crc32: return r.skipString()
            case .startedAt:
                guard r.skipString(), let t = Timestamp.parse(r.lastStringValue()) else { return false }
                startedAt = t
                started = true
                return true
            case .endedAt:
                guard r.skipString(), let t = Timestamp.parse(r.lastStringValue()) else { return false }
                endedAt = t
                ended = true
                return true
            case .config:
                if report {
                    guard let c = configs.read(&r) else { return false }
                    configValue = c
                    config = true
                } else {
                    config = configs.skim(&r)
                }
                return config
            case .curveSteps:
                if report {
                    steps = r.array { $0.int() }
                    // The same steps as the previous line (the usual case): share one array.
                    if steps == lastSteps { steps = lastSteps } else if let steps { lastSteps = steps }
                    stepsCount = steps?.count
                } else {
                    stepsCount = r.arraySkim { $0.skipInt() }
                }
                return stepsCount != nil
            case .curves:
                return Self.skimNames(&r, &names) { r in
                    let name = report ? strings.take(r) : ""
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
                        curves[name] = c
                        return true
                    }
                    return Self.skimCurve(&r)
                }
            }
        }), r.atEnd(), kind, let id, let status, metrics, let stepsRun, seconds, worker, host, attempt,
              started, ended, config, bareLengths.allSatisfy({ $0 == stepsCount }) else { return nil }
        out.id = TrialID(rawValue: id)
        out.sweep = sweep ?? ""
        out.status = status
        if report {
            if let steps { for (name, values) in bare { curves[name] = Curve(steps: steps, values: values) } }
            let result = TrainingResult(status: status, message: message ?? nil, metrics: metricValues, curves: curves, stepsRun: stepsRun,
                                        stop: stop, timing: Timing(seconds: secondsValue, metricSeconds: metricSeconds ?? 0))
            out.record = TrialRecord(id: out.id, sweep: out.sweep, config: configValue, result: result, worker: workerName, host: hostName,
                                     attempt: attemptValue, startedAt: startedAt, endedAt: endedAt, build: build, blas: blas, halving: halving)
        }
        return out
    }

    /// The members of a trial line, in the order `LineCodec` writes them.
    enum Member: Int, CaseIterable {
        case kind, id, sweep, status, message, metrics, stepsRun, stop, seconds, metricSeconds, worker, host, attempt, build, blas
        case halving, startedAt, endedAt, config, curveSteps, curves, crc32
    }
    private static let memberNames: [[UInt8]] = Member.allCases.map { m in
        let name: String
        switch m {
        case .stepsRun: name = "steps_run"
        case .metricSeconds: name = "metric_seconds"
        case .startedAt: name = "started_at"
        case .endedAt: name = "ended_at"
        case .curveSteps: name = "curve_steps"
        default: name = "\(m)"
        }
        return Array(name.utf8)
    }

    /// The member the scanner's last string names (by its bytes: every name
    /// is ASCII without a capital K, so byte equality is `String` equality
    /// here), trying first the ones that follow `previous` in writing order.
    static func member(_ r: JSONScanner, after previous: inout Int) -> Member? {
        r.withLastString { key in
            let n = memberNames.count
            for step in 1...n {
                let i = (previous + step) % n
                if memberNames[i].count == key.count && memberNames[i].elementsEqual(key) {
                    previous = i
                    return Member(rawValue: i)
                }
            }
            return nil
        }
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
            // Names in strictly increasing ASCII order (as the writer puts them) are distinct.
            if ordered && (!r.lastStringIsASCII || previous.map({ !r.lastString(follows: $0) }) ?? false) { ordered = false }
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

/// One `String` per distinct short text, found by its bytes (hash, then
/// compare): lines repeat their names and labels, and each decoded copy
/// would be its own allocation.
struct StringPool: Sendable {
    private var buckets: [Int: [String]] = [:]
    private var count = 0
    /// Beyond this many distinct texts (ids, messages), strings are not pooled.
    static let limit = 1 << 14

    /// The scanner's last string, pooled.
    mutating func take(_ r: JSONScanner) -> String {
        r.withLastString { bytes in
            guard bytes.count <= 64 else { return String(decoding: bytes, as: UTF8.self) }
            var hasher = Hasher()
            hasher.combine(bytes: bytes)
            let h = hasher.finalize()
            if let hit = buckets[h]?.first(where: { $0.utf8.elementsEqual(bytes) }) { return hit }
            let s = String(decoding: bytes, as: UTF8.self)
            if count < Self.limit {
                buckets[h, default: []].append(s)
                count += 1
            }
            return s
        }
    }
}
