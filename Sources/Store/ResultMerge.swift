import Foundation
import SafeFiles
import TrialContract

/// Which record `merge` keeps when one trial id appears in several inputs.
public enum MergePreference: String, CaseIterable, Sendable {
    /// The first occurrence (inputs in command-line order, lines in file order).
    case first
    /// The last occurrence.
    case last
    /// Keep the first when all copies agree; stop with an error when any copy conflicts.
    case fail
}

/// Two records of one trial whose outcomes differ (status, metrics, curves,
/// steps run or config; timings, worker, host, attempt and message are not compared).
public struct MergeConflict: Sendable, CustomStringConvertible {
    public var id: TrialID
    public var firstSource: String
    public var otherSource: String
    public var difference: String
    public var description: String { "trial \(id.short): \(firstSource) and \(otherSource) differ in \(difference)" }
}

public struct MergeSummary: Sendable {
    public struct Input: Sendable {
        public var path: String
        public var records: Int
        public var problems: [LineProblem]
    }
    public var inputs: [Input] = []
    /// Records written to the output.
    public var written = 0
    /// Duplicates whose outcome equals the kept record's.
    public var identicalDuplicates = 0
    public var conflicts: [MergeConflict] = []
    /// Distinct spec hashes among the inputs (more than one needs `allowMixed`).
    public var specHashes: [String] = []
    /// Records left out by `dropping` (their trials run again on resume).
    public var dropped = 0
    /// Input lines accepted without a valid checksum (`ReadOptions.acceptEdited`).
    public var unverifiedLines = 0
}

/// Union of result logs by trial id. With `.first` or `.last` the rule is
/// "the first (last) occurrence of an id in input order wins", which makes
/// merge associative and idempotent as a set of records.
public enum ResultMerge {
    public static func merge(_ inputs: [(source: String, records: [TrialRecord])], prefer: MergePreference,
                             summary: inout MergeSummary) -> [TrialRecord] {
        var kept: [TrialRecord] = []
        var index: [TrialID: (position: Int, source: String)] = [:]
        for input in inputs {
            for r in input.records {
                guard let (position, source) = index[r.id] else {
                    index[r.id] = (kept.count, input.source)
                    kept.append(r)
                    continue
                }
                if let difference = difference(kept[position], r) {
                    summary.conflicts.append(MergeConflict(id: r.id, firstSource: source, otherSource: input.source, difference: difference))
                } else {
                    summary.identicalDuplicates += 1
                }
                if prefer == .last {
                    kept[position] = r
                    index[r.id] = (position, input.source)
                }
            }
        }
        summary.written = kept.count
        return kept
    }

    /// What differs between two records of one trial, or nil when their outcomes agree.
    public static func difference(_ a: TrialRecord, _ b: TrialRecord) -> String? {
        if a.result.status != b.result.status { return "status (\(a.result.status.rawValue) vs \(b.result.status.rawValue))" }
        if a.result.stepsRun != b.result.stepsRun { return "steps_run (\(a.result.stepsRun) vs \(b.result.stepsRun))" }
        for name in Set(a.result.metrics.keys).union(b.result.metrics.keys).sorted() where a.result.metrics[name] != b.result.metrics[name] {
            return "metric '\(name)' (\(a.result.metrics[name].map { "\($0)" } ?? "absent") vs \(b.result.metrics[name].map { "\($0)" } ?? "absent"))"
        }
        for name in Set(a.result.curves.keys).union(b.result.curves.keys).sorted() where a.result.curves[name] != b.result.curves[name] {
            return "curve '\(name)'"
        }
        if a.config != b.config { return "config" }
        return nil
    }

    /// Reads `paths`, merges them and writes `output` atomically. Throws
    /// `.mergeConflict` (writing nothing) for inputs of different sweeps unless
    /// `allowMixed`, and for conflicting duplicates with `.fail`.
    ///
    /// Records whose status is in `dropping` are left out: a resume on the
    /// output runs those trials again (how failed trials are retried; the
    /// store itself never replaces a record).
    public static func mergeFiles(_ paths: [String], into output: String, prefer: MergePreference,
                                  allowMixed: Bool, dropping: Set<TrialStatus> = [],
                                  options: ReadOptions = .strict) throws -> MergeSummary {
        var summary = MergeSummary()
        var inputs: [(source: String, records: [TrialRecord])] = []
        var files: [ResultContents] = []
        for path in paths {
            let file = try ResultFile.load(path: path, options: options)
            let records = dropping.isEmpty ? file.records : file.records.filter { !dropping.contains($0.result.status) }
            summary.dropped += file.records.count - records.count
            files.append(file)
            inputs.append((path, records))
            summary.inputs.append(.init(path: path, records: records.count, problems: file.problems))
            summary.unverifiedLines += file.unverifiedLines
        }
        guard !files.isEmpty else { throw StoreError(.notFound, path: "", "merge needs at least one input file") }
        // A file without a header (an edited one, read with acceptEdited) belongs to whichever sweep the others do.
        let headed = files.filter { !$0.headerless }
        guard let first = headed.first?.header else {
            throw StoreError(.notAResultFile, path: paths[0], "none of the inputs has a header line, so the output would not say what sweep it holds")
        }
        var hashes: [String] = []
        for f in headed where !hashes.contains(f.header.specHash) { hashes.append(f.header.specHash) }
        summary.specHashes = hashes
        // Files of one sweep share its first spec (the header); a grown spec adds revisions, not a new sweep.
        if hashes.count > 1 && !allowMixed {
            let other = zip(paths, files).first { !$0.1.headerless && $0.1.header.specHash != first.specHash }.map { ($0.0, $0.1.header) }
            throw StoreError(.mergeConflict, path: other?.0 ?? "",
                             "belongs to another sweep ('\(other?.1.sweepName ?? "?")', spec hash \(other?.1.specHash.prefix(12) ?? "?")) "
                             + "than \(paths[0]) ('\(first.sweepName)', \(first.specHash.prefix(12))); pass --allow-mixed to merge anyway")
        }
        if OutputFile.descriptor(named: output) == nil, FileLineLog.isLocked(path: output) {
            throw StoreError(.locked, path: output, "a running process is writing this file; merge into another file")
        }
        let records = merge(inputs, prefer: prefer, summary: &summary)
        if prefer == .fail, let c = summary.conflicts.first {
            let more = summary.conflicts.count > 1 ? " (and \(summary.conflicts.count - 1) more conflicts)" : ""
            throw StoreError(.mergeConflict, path: c.otherSource, "\(c)\(more); choose --prefer first or --prefer last")
        }
        var header = first
        if hashes.count > 1 {
            var names: [String] = []
            for f in headed where !names.contains(f.header.sweepName) { names.append(f.header.sweepName) }
            header.sweepName = names.joined(separator: "+")
            header.specHash = "mixed:" + hashes.joined(separator: ",")
        }
        // Every input's later spec revisions, once each, in input order.
        var seen: Set<String> = [header.specHash]
        var revisions: [SpecRevision] = []
        for f in files {
            for r in f.revisions.dropFirst() where seen.insert(r.specHash).inserted { revisions.append(r) }
        }
        var chunks: [[UInt8]] = [LineCodec.encode(header)] + revisions.map { LineCodec.encode($0) }
        chunks.reserveCapacity(records.count + chunks.count)
        for r in records { chunks.append(try LineCodec.encode(r, path: output, formatVersion: header.formatVersion)) }
        try OutputTarget.write(output, chunks: chunks)
        return summary
    }
}
