import Foundation
import TrialContract

/// Encodes and decodes the lines of a result file (docs/result-format.md).
/// Each line is one JSON object whose last member is `"crc32":"xxxxxxxx"`: the
/// CRC-32 of the line's bytes with that member removed (so ending in `}`),
/// newline excluded.
public enum LineCodec {
    /// `,"crc32":"` + 8 hex digits + `"}`.
    static let checksumSuffixLength = 20
    static let checksumKey = Array(#","crc32":""#.utf8)
    static let trialPrefix = Array(#"{"kind":"trial","id":""#.utf8)

    // MARK: Encoding

    public static func encode(_ header: StoreHeader) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key("kind"); w.string("header")
        w.key("format"); w.string(ResultFormat.marker)
        w.key("format_version"); w.int(header.formatVersion)
        w.key("sweep_name"); w.string(header.sweepName)
        w.key("spec_hash"); w.string(header.specHash)
        w.key("tool_version"); w.string(header.toolVersion)
        w.key("git_revision"); if let g = header.gitRevision { w.string(g) } else { w.null() }
        w.key("created_at"); w.date(header.createdAt)
        w.dataFiles(header.dataFiles)
        w.key("spec"); w.string(header.spec)
        w.endObject()
        return sealed(w.bytes)
    }

    /// Throws `.invalidRecord` for numbers JSON cannot hold (NaN, ±inf).
    /// `formatVersion` is that of the file's header: a file keeps the curve
    /// form of its version (version 3's shared steps; the separate step lists
    /// of 1 and 2), so readers of its version read every line of it.
    public static func encode(_ r: TrialRecord, path: String = "", formatVersion: Int = ResultFormat.version) throws -> [UInt8] {
        var w = JSONWriter()
        do throws(NonFiniteNumber) {
            w.beginObject()
            w.key("kind"); w.string("trial")
            w.key("id"); w.string(r.id.rawValue)
            w.key("sweep"); w.string(r.sweep)
            w.key("status"); w.string(r.result.status.rawValue)
            if let m = r.result.message { w.key("message"); w.string(m) }
            w.key("metrics"); try w.metrics(r.result.metrics)
            w.key("steps_run"); w.int(r.result.stepsRun)
            if let stop = r.result.stop { w.key("stop"); w.string(stop.rawValue) }
            for (name, v) in [("seconds", r.result.timing.seconds), ("metric_seconds", r.result.timing.metricSeconds)] {
                guard v.isFinite else { throw NonFiniteNumber(what: name) }
                w.key(name); w.double(v)
            }
            w.key("worker"); w.string(r.worker)
            w.key("host"); w.string(r.host)
            w.key("attempt"); w.int(r.attempt)
            if let b = r.build { w.key("build"); w.string(b) }
            if let b = r.blas { w.key("blas"); w.string(b) }
            if let h = r.halving { w.key("halving"); h.write(to: &w) }
            w.key("started_at"); w.date(r.startedAt)
            w.key("ended_at"); w.date(r.endedAt)
            w.key("config"); try w.config(r.config)
            if formatVersion >= ResultFormat.compactCurvesVersion {
                try w.compactCurves(r.result.curves)
            } else {
                w.key("curves"); try w.curves(r.result.curves)
            }
            w.endObject()
        } catch {
            throw StoreError(.invalidRecord, path: path, "trial \(r.id.short): \(error.what) is not a finite number, which JSON cannot hold")
        }
        return sealed(w.bytes)
    }

    /// Replaces the closing `}` by the checksum member and adds the newline.
    static func sealed(_ body: [UInt8]) -> [UInt8] {
        let crc = CRC32.checksum(body)
        var line = body
        line.removeLast()
        line.append(contentsOf: checksumKey)
        let hex = Array("0123456789abcdef".utf8)
        for shift in stride(from: 28, through: 0, by: -4) { line.append(hex[Int((crc >> UInt32(shift)) & 0xF)]) }
        line.append(contentsOf: #""}"#.utf8)
        line.append(0x0A)
        return line
    }

    // MARK: Verification

    public enum Verdict: Sendable, Equatable { case valid, missingChecksum, mismatch }

    /// Checks a line's checksum (without its newline).
    public static func verify(_ line: UnsafeRawBufferPointer) -> Verdict {
        let n = line.count
        guard n > checksumSuffixLength, line[n - 1] == UInt8(ascii: "}"), line[n - 2] == UInt8(ascii: "\"") else { return .missingChecksum }
        let keyStart = n - checksumSuffixLength
        for (i, b) in checksumKey.enumerated() where line[keyStart + i] != b { return .missingChecksum }
        var stored: UInt32 = 0
        for i in (keyStart + checksumKey.count)..<(n - 2) {
            let c = line[i]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            default: return .mismatch
            }
            stored = stored << 4 | UInt32(d)
        }
        let prefix = UnsafeRawBufferPointer(rebasing: line[0..<keyStart])
        var closing = UInt8(ascii: "}")
        let crc = withUnsafeBytes(of: &closing) { CRC32.checksum($0, seed: CRC32.checksum(prefix)) }
        return crc == stored ? .valid : .mismatch
    }

    public static func verify(_ line: [UInt8]) -> Verdict {
        line.withUnsafeBytes { verify($0) }
    }

    // MARK: Decoding

    /// What kind of line this is, read from its first member without a full parse.
    static func leadingKind(_ line: UnsafeRawBufferPointer) -> String? {
        let prefix = Array(#"{"kind":""#.utf8)
        guard line.count > prefix.count, line.prefix(prefix.count).elementsEqual(prefix) else { return nil }
        guard let end = line[prefix.count...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: line[prefix.count..<end]), as: UTF8.self)
    }

    /// The trial id of a verified trial line written by this codec, found
    /// without decoding the record (resume reads a million lines this way).
    /// Nil when the line does not start the way this codec writes it.
    static func fastTrialID(_ line: UnsafeRawBufferPointer) -> TrialID? {
        let p = trialPrefix
        guard line.count > p.count, line.prefix(p.count).elementsEqual(p) else { return nil }
        var i = p.count
        while i < line.count {
            let c = line[i]
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") { return nil }  // escaped id: let the full decoder handle it
            i += 1
        }
        guard i < line.count else { return nil }
        return TrialID(rawValue: String(decoding: UnsafeRawBufferPointer(rebasing: line[p.count..<i]), as: UTF8.self))
    }

    struct HeaderProbe: Decodable {
        var kind: String?
        var format: String?
        var format_version: Int?
    }

    struct HeaderLine: Decodable {
        var sweep_name: String
        var spec: String
        var spec_hash: String
        var tool_version: String
        var git_revision: String?
        var created_at: String
        var data_files: [DataFileRecord]?
    }

    /// Decodes a header line (already verified or not: the caller decides).
    static func decodeHeader(_ line: Data, path: String) throws -> StoreHeader {
        let probe: HeaderProbe
        do {
            probe = try JSONDecoder().decode(HeaderProbe.self, from: line)
        } catch {
            throw StoreError(.notAResultFile, path: path, line: 1, "not an OverSweep result file: the first line is not a JSON object")
        }
        guard probe.kind == "header", probe.format == ResultFormat.marker, let version = probe.format_version else {
            throw StoreError(.notAResultFile, path: path, line: 1,
                             "not an OverSweep result file: the first line is not a header (expected \"kind\":\"header\", \"format\":\"\(ResultFormat.marker)\")")
        }
        guard version <= ResultFormat.version else {
            throw StoreError(.newerFormat, path: path, line: 1,
                             "written in result format version \(version); this oversweep reads versions up to \(ResultFormat.version) — upgrade oversweep")
        }
        guard version >= 1 else {
            throw StoreError(.notAResultFile, path: path, line: 1, "header has an invalid format_version \(version)")
        }
        do {
            let h = try JSONDecoder().decode(HeaderLine.self, from: line)
            guard let created = Timestamp.parse(h.created_at) else {
                throw StoreError(.notAResultFile, path: path, line: 1, "header created_at '\(h.created_at)' is not an ISO-8601 UTC time")
            }
            return StoreHeader(formatVersion: version, sweepName: h.sweep_name, spec: h.spec, specHash: h.spec_hash,
                               toolVersion: h.tool_version, gitRevision: h.git_revision, createdAt: created,
                               dataFiles: h.data_files ?? [])
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError(.notAResultFile, path: path, line: 1, "header is incomplete: \(describe(error))")
        }
    }

    struct RecordLine: Decodable {
        var kind: String
        var id: TrialID
        var sweep: String?
        var status: TrialStatus
        var message: String?
        var metrics: [String: Double]
        var steps_run: Int
        var stop: StopReason?
        var seconds: Double
        var metric_seconds: Double?
        var worker: String
        var host: String
        var attempt: Int
        var build: String?
        var blas: String?
        var started_at: String
        var ended_at: String
        var config: TrialConfig
        var curve_steps: [Int]?
        var curves: [String: CurveForm]?
        var halving: HalvingTag?
    }

    struct DecodeFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Decodes a verified trial line: directly when it is written the way
    /// this codec writes it (`RecordReader`), with `JSONDecoder` otherwise.
    static func decodeRecord(_ line: UnsafeRawBufferPointer) throws -> TrialRecord {
        let bytes = Array(line)
        if let r = RecordReader.read(bytes) { return r }
        return try decodeRecordWithFoundation(Data(bytes))
    }

    public static func decodeRecord(_ line: Data) throws -> TrialRecord {
        try line.withUnsafeBytes { try decodeRecord($0) }
    }

    /// The general path, through `JSONDecoder` (public for the store benchmark, which compares the two).
    public static func decodeRecordWithFoundation(_ line: Data) throws -> TrialRecord {
        let r: RecordLine
        do {
            r = try JSONDecoder().decode(RecordLine.self, from: line)
        } catch {
            throw DecodeFailure(message: describe(error))
        }
        guard let started = Timestamp.parse(r.started_at) else { throw DecodeFailure(message: "started_at '\(r.started_at)' is not an ISO-8601 UTC time") }
        guard let ended = Timestamp.parse(r.ended_at) else { throw DecodeFailure(message: "ended_at '\(r.ended_at)' is not an ISO-8601 UTC time") }
        guard let curves = CurveForm.resolve(r.curves ?? [:], steps: r.curve_steps) else {
            throw DecodeFailure(message: "a curve of bare values needs 'curve_steps' of its length")
        }
        let result = TrainingResult(status: r.status, message: r.message, metrics: r.metrics, curves: curves,
                                    stepsRun: r.steps_run, stop: r.stop,
                                    timing: Timing(seconds: r.seconds, metricSeconds: r.metric_seconds ?? 0))
        return TrialRecord(id: r.id, sweep: r.sweep ?? "", config: r.config, result: result, worker: r.worker,
                           host: r.host, attempt: r.attempt, startedAt: started, endedAt: ended, build: r.build, blas: r.blas, halving: r.halving)
    }

    /// A one-line reason for a decoding error.
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let ctx):
            return "missing '\((ctx.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx):
            return "wrong type at '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))'"
        case DecodingError.dataCorrupted(let ctx):
            let at = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            return at.isEmpty ? "not valid JSON" : "invalid value at '\(at)'"
        default:
            return "\(error)"
        }
    }
}
