import Foundation
import TrialContract

/// One version of the spec a result file holds trials of. The header is the
/// first; a resume with a spec that adds trials (or, with `--force`, removes
/// or changes some) appends a `revision` line. The latest one is what
/// `status`, `report` and later resumes compare against.
public struct SpecRevision: Sendable, Hashable {
    public var sweepName: String
    public var specHash: String
    /// The spec's YAML source text.
    public var spec: String
    public var dataFiles: [DataFileRecord]
    public var toolVersion: String
    public var gitRevision: String?
    public var createdAt: Date
    /// Recorded with `--force`: this spec removes or changes trials of the one before.
    public var forced: Bool
    /// 1-based line of the file that records it (1: the header; 0: not written yet).
    public var line: Int

    public init(sweepName: String, specHash: String, spec: String, dataFiles: [DataFileRecord] = [], toolVersion: String,
                gitRevision: String?, createdAt: Date = Date(), forced: Bool = false, line: Int = 0) {
        self.sweepName = sweepName
        self.specHash = specHash
        self.spec = spec
        self.dataFiles = dataFiles
        self.toolVersion = toolVersion
        self.gitRevision = gitRevision
        self.createdAt = createdAt
        self.forced = forced
        self.line = line
    }
}

extension StoreHeader {
    /// The header as the file's first spec revision.
    public var revision: SpecRevision {
        SpecRevision(sweepName: sweepName, specHash: specHash, spec: spec, dataFiles: dataFiles, toolVersion: toolVersion,
                     gitRevision: gitRevision, createdAt: createdAt, forced: false, line: 1)
    }
}

extension LineCodec {
    /// A `revision` line (docs/result-format.md).
    public static func encode(_ r: SpecRevision) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key("kind"); w.string("revision")
        w.key("sweep_name"); w.string(r.sweepName)
        w.key("spec_hash"); w.string(r.specHash)
        w.key("forced"); w.bool(r.forced)
        w.key("tool_version"); w.string(r.toolVersion)
        w.key("git_revision"); if let g = r.gitRevision { w.string(g) } else { w.null() }
        w.key("created_at"); w.date(r.createdAt)
        w.dataFiles(r.dataFiles)
        w.key("spec"); w.string(r.spec)
        w.endObject()
        return sealed(w.bytes)
    }

    struct RevisionLine: Decodable {
        var kind: String
        var sweep_name: String
        var spec_hash: String
        var forced: Bool?
        var tool_version: String
        var git_revision: String?
        var created_at: String
        var data_files: [DataFileRecord]?
        var spec: String
    }

    static func decodeRevision(_ line: Data, number: Int) throws -> SpecRevision {
        let r: RevisionLine
        do {
            r = try JSONDecoder().decode(RevisionLine.self, from: line)
        } catch {
            throw DecodeFailure(message: "revision line: \(describe(error))")
        }
        guard r.kind == "revision", let created = Timestamp.parse(r.created_at) else {
            throw DecodeFailure(message: "revision line: created_at '\(r.created_at)' is not an ISO-8601 UTC time")
        }
        return SpecRevision(sweepName: r.sweep_name, specHash: r.spec_hash, spec: r.spec, dataFiles: r.data_files ?? [],
                            toolVersion: r.tool_version, gitRevision: r.git_revision, createdAt: created,
                            forced: r.forced ?? false, line: number)
    }
}

extension JSONWriter {
    /// `"data_files":[…]`, left out when there are none (files of specs without data files stay as version 1 wrote them).
    mutating func dataFiles(_ files: [DataFileRecord]) {
        guard !files.isEmpty else { return }
        key("data_files")
        beginArray()
        for f in files {
            beginObject()
            key("written"); string(f.written)
            key("path"); string(f.path)
            key("sha256"); string(f.sha256)
            key("rows"); int(f.rows)
            key("columns"); int(f.columns)
            endObject()
        }
        endArray()
    }
}
