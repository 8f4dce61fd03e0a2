import Foundation
import TrialContract

/// The first line of a result file: which sweep the trials belong to and what wrote them.
public struct StoreHeader: Codable, Sendable, Hashable {
    /// The format this file is written in (`ResultFormat.version` for new files).
    public var formatVersion: Int
    public var sweepName: String
    /// The sweep spec's source text (YAML), kept so a result file explains itself.
    public var spec: String
    /// Hash of the spec that resume compares (the Sweep module computes it).
    public var specHash: String
    public var toolVersion: String
    public var gitRevision: String?
    public var createdAt: Date
    /// The data files the spec's trials use, as planned (resolved path, digest, shape).
    public var dataFiles: [DataFileRecord]

    public init(formatVersion: Int = ResultFormat.version, sweepName: String, spec: String, specHash: String,
                toolVersion: String, gitRevision: String? = nil, createdAt: Date = Date(), dataFiles: [DataFileRecord] = []) {
        self.formatVersion = formatVersion
        self.sweepName = sweepName
        self.spec = spec
        self.specHash = specHash
        self.toolVersion = toolVersion
        self.gitRevision = gitRevision
        self.createdAt = createdAt
        self.dataFiles = dataFiles
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case sweepName = "sweep_name"
        case spec
        case specHash = "spec_hash"
        case toolVersion = "tool_version"
        case gitRevision = "git_revision"
        case createdAt = "created_at"
        case dataFiles = "data_files"
    }
}

/// Constants of the on-disk format (docs/result-format.md).
public enum ResultFormat {
    /// The version this build writes; it reads this and every older one.
    /// 2 added `revision` lines, `data_files`, `data_digest` and the records' `build` and `blas`;
    /// 3 writes curves on one shared step list (`curve_steps`).
    public static let version = 3

    /// The first version whose trial lines write curves on a shared step list.
    public static let compactCurvesVersion = 3
    /// Value of the header's `format` member, so a stray JSON-lines file is recognised as foreign.
    public static let marker = "oversweep-results"
}

/// A line the reader could not use: where it is and why. Nothing is dropped
/// silently: every skipped or set-aside line is listed here.
public struct LineProblem: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The last line has no newline and does not verify: a write cut short by a crash.
        case torn = "torn line"
        /// The line's CRC-32 does not match its bytes.
        case checksumMismatch = "checksum mismatch"
        /// No `crc32` member at the end of the line.
        case missingChecksum = "no checksum"
        /// The checksum holds but the record does not decode (a bug or a foreign writer).
        case undecodable = "undecodable record"
        /// A second header line, or a line whose `kind` this version does not know.
        case unexpected = "unexpected line"
        /// Longer than `FileLineLog.maxLineLength`: skipped unread.
        case tooLong = "line too long"
    }

    /// 1-based line number in the file.
    public var line: Int
    /// Byte offset of the line's first byte.
    public var offset: UInt64
    /// Length in bytes, without the newline.
    public var length: Int
    public var kind: Kind
    public var detail: String

    public init(line: Int, offset: UInt64, length: Int, kind: Kind, detail: String = "") {
        self.line = line
        self.offset = offset
        self.length = length
        self.kind = kind
        self.detail = detail
    }

    public var description: String {
        "line \(line): \(kind.rawValue)" + (detail.isEmpty ? "" : " (\(detail))") + ", \(length) bytes"
    }
}

/// What opening a store found and did: lines skipped in the middle of the file
/// (left in place, reported) and lines set aside from its tail (moved to the sidecar).
public struct RecoveryReport: Sendable, Hashable {
    /// Corrupt lines before the last good line: left in the file, not counted as finished.
    public var skipped: [LineProblem] = []
    /// Bad lines after the last good line: moved to `sidecarPath`, file truncated.
    public var setAside: [LineProblem] = []
    /// Where set-aside bytes were appended (nil when nothing was set aside).
    public var sidecarPath: String?
    /// A complete, verified last line lacked its newline; one was added.
    public var addedFinalNewline = false
    /// The file was created (or was empty / held only a torn header) and a header was written.
    public var createdFile = false

    public init() {}

    /// One warning line per problem, for logs.
    public func warnings(path: String) -> [String] {
        var out = skipped.map { "\(path):\($0.line): skipped: \($0)" }
        out += setAside.map { "\(path):\($0.line): set aside to \(sidecarPath ?? "?"): \($0)" }
        if addedFinalNewline { out.append("\(path): added the missing newline after the last record") }
        return out
    }
}
