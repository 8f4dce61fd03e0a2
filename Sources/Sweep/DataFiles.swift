import DataTable
import Foundation
import TrialContract

// Data files (`data: file`) at plan time. Every data_file a trial can use is
// resolved against the spec's directory, read once, fingerprinted (SHA-256
// of its bytes) and parsed, before any trial exists: a missing, unreadable or
// malformed file is refused as `FILE:LINE: path: problem`. Trials then carry
// the resolved path and the digest (`data_digest`, which their ids cover
// instead of the path), and the cost model sees the file's real rows and
// columns.

/// Where the planner learns about a spec's data files.
public enum DataFileSource: Sendable {
    /// Read each file (a relative path against the spec file's directory).
    case read
    /// Use what a result file recorded when the spec was planned, without
    /// touching the files (a file not listed is read).
    case recorded([DataFileRecord])
}

enum DataFiles {
    /// The data files the spec's trials use, in the order they first appear,
    /// and where each is written in the spec.
    static func resolve(_ def: SpecDefinition, blocks: [Block], specPath: String, source: DataFileSource,
                        reader: SpecReader) throws -> (records: [DataFileRecord], labels: [String: [Double]], locs: [String: Loc]) {
        let locs = locations(def)
        var records: [DataFileRecord] = []
        var labels: [String: [Double]] = [:]
        var byDigest: [String: String] = [:]
        for written in usedFiles(blocks) where !records.contains(where: { $0.written == written }) {
            let loc = locs[written] ?? Loc(line: nil, path: "data_file")
            let (f, raw) = try Self.record(written, specPath: specPath, source: source, reader: reader, loc: loc)
            if let other = byDigest[f.sha256] {
                throw reader.error(loc, "\(written) holds the same bytes as \(other) (sha256 \(f.sha256.prefix(16))…): "
                    + "their trials would be the same trials; list one of them", .dataFile)
            }
            byDigest[f.sha256] = written
            records.append(f)
            labels[written] = raw
        }
        return (records, labels, locs)
    }

    /// The absolute path a `data_file` value names: itself when absolute,
    /// else resolved against the directory of the spec file.
    static func absolute(_ written: String, specPath: String) -> String {
        if written.hasPrefix("/") { return URL(fileURLWithPath: written).standardizedFileURL.path }
        let specDirectory = URL(fileURLWithPath: specPath).deletingLastPathComponent()
        return URL(fileURLWithPath: written, relativeTo: specDirectory).standardizedFileURL.path
    }

    /// The record of one data file, and its label column when it was read
    /// (kept to check labels against each point's loss; the rest is dropped).
    private static func record(_ written: String, specPath: String, source: DataFileSource, reader: SpecReader,
                               loc: Loc) throws -> (DataFileRecord, [Double]?) {
        if case .recorded(let known) = source, let f = known.first(where: { $0.written == written }) { return (f, nil) }
        let path = absolute(written, specPath: specPath)
        do {
            let contents = try DataFileContents.read(path)
            return (DataFileRecord(written: written, path: path, sha256: contents.sha256,
                                   rows: contents.table.rows, columns: contents.table.columns), contents.table.rawLabels)
        } catch {
            let shown = DataFileRecord(written: written, path: path, sha256: "", rows: 0, columns: 0).shown
            throw reader.error(loc, "\(shown): \(error.message)", .dataFile)
        }
    }

    /// `data_file` values of points whose data can be `file`.
    private static func usedFiles(_ blocks: [Block]) -> [String] {
        var out: [String] = []
        for block in blocks {
            let dataFactor = block.factors.first { $0.fields.contains(.data) }
            let usesFile = dataFactor.map { $0.points.contains { $0.config.data == .file } } ?? (block.base.data == .file)
            guard usesFile else { continue }
            if let fileFactor = block.factors.first(where: { $0.fields.contains(.dataFile) }) {
                out += fileFactor.points.compactMap(\.config.dataFile)
            } else if let written = block.base.dataFile {
                out.append(written)
            }
        }
        return out
    }

    /// Where each `data_file` value is first written: a base entry or an axis point.
    private static func locations(_ def: SpecDefinition) -> [String: Loc] {
        var locs: [String: Loc] = [:]
        func note(_ value: JSONValue, _ loc: Loc) {
            if case .string(let s) = value, locs[s] == nil { locs[s] = loc }
        }
        func walk(_ grid: GridDef) {
            for axis in grid.axes {
                guard let j = axis.fields.firstIndex(of: .dataFile) else { continue }
                for (i, point) in axis.points.enumerated() where j < point.count { note(point[j], axis.pointLocs[i]) }
            }
            for when in grid.whens { walk(when.grid) }
        }
        for sweep in def.sweeps {
            if let entry = sweep.base[.dataFile] { note(entry.value, entry.loc) }
            walk(sweep.grid)
        }
        return locs
    }

    /// The spec hash with the data files' digests folded in (unchanged for a spec without data files).
    static func hash(definition: String, _ facts: [DataFileRecord]) -> String {
        guard !facts.isEmpty else { return definition }
        let data = JSONValue.object(Dictionary(facts.map { ($0.written, JSONValue.string($0.sha256)) }, uniquingKeysWith: { a, _ in a }))
        return CanonicalJSON.sha256Hex(JSONValue.object(["definition": .string(definition), "data_files": data]).canonicalText)
    }
}

extension SweepSpec {
    /// The record of the data file a config names (by its written path), if any.
    func dataFacts(_ config: TrialConfig) -> DataFileRecord? {
        guard config.data == .file, let written = config.dataFile else { return nil }
        return dataFiles.first { $0.written == written }
    }

    /// The config as a trial runs it: its data file resolved and fingerprinted.
    func resolvingData(_ config: TrialConfig) -> TrialConfig {
        guard let f = dataFacts(config) else { return config }
        var c = config
        c.dataFile = f.path
        c.dataDigest = f.sha256
        return c
    }

    /// Checks a grid point against its data file: a `data_digest` the spec
    /// gives must match the file, and the labels must suit the point's loss.
    /// `checked` remembers (file, loss, outputs) combinations already seen.
    func checkData(_ config: TrialConfig, point: () -> String, checked: inout Set<String>) throws {
        guard let f = dataFacts(config) else { return }
        let loc = dataLocs[f.written] ?? Loc(line: nil, path: "data_file")
        let at = point()
        let suffix = at.isEmpty ? "" : " (at \(at))"
        if let given = config.dataDigest, given != f.sha256 {
            throw SweepError(.dataFile, file: path, line: loc.line, path: loc.path,
                             "\(f.shown): data_digest \(given) was given, but the file's sha256 is \(f.sha256)\(suffix)")
        }
        guard let raw = dataLabels[f.written], checked.insert("\(f.written)\u{0}\(config.loss.rawValue)\u{0}\(config.outputs)").inserted else { return }
        do {
            _ = try DataTable.labels(raw, column: f.columns, loss: config.loss, outputs: config.outputs)
        } catch {
            throw SweepError(.dataFile, file: path, line: loc.line, path: loc.path, "\(f.shown): \(error.message)\(suffix)")
        }
    }
}
