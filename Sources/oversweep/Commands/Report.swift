import ArgumentParser
import Foundation
import Report
import SafeFiles
import Store

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write tables (mean ± std over seeds), fits and SVG plots of a result file.",
        discussion: """
            Writes DIR/report.md, DIR/index.html (plots inline) and each plot as DIR/<name>.svg; \
            with -o - it prints index.html (one self-contained page) to stdout. The report says \
            which spec revision of the file it covers and how many of its trials are recorded. The sections of a \
            reference experiment (E1–E7) are drawn when the spec in the file's header says `experiment: E1` (or --experiment).

            With --watch, follows a sweep while it runs: DIR/index.html shows progress, rate, ETA, workers, failures \
            and the plots so far, and reloads its data (DIR/live.js) by itself, no server needed; the command stops \
            when every planned trial is recorded, or on Ctrl-C.
            """
    )

    @Argument(help: ArgumentHelp("Result file (JSON lines) written by 'oversweep run' or 'coordinator'.", valueName: "RESULTS.jsonl"))
    var results: String

    @Option(name: [.short, .customLong("out")], help: ArgumentHelp("Directory to write the report into (created if missing), or - for index.html on stdout.", valueName: "DIR"))
    var out: String

    @Option(help: "Title of the report (default: the result file's name).")
    var title: String?

    @Option(name: .customLong("experiment"),
            help: ArgumentHelp("Draw this reference experiment's sections (E1 … E7; repeatable), whatever the spec says.", valueName: "En"))
    var experimentNames: [String] = []

    @Flag(help: "Keep DIR/index.html current while the sweep runs; stop when it is complete or on Ctrl-C.")
    var watch = false

    @Option(help: ArgumentHelp("Seconds between refreshes with --watch (0.2 to 60).", valueName: "SECONDS"))
    var interval: Double = 2

    @OptionGroup var read: ReadFlags

    @Flag(help: .hidden)
    var fullDecode = false

    func run() async throws {
        if watch {
            try await ReportWatch(results: results, out: URL(fileURLWithPath: out), title: title, experimentNames: experimentNames,
                                  interval: StopSignal.interval(interval)).run()
            return
        }
        // The experiments decide which curves the report reads: the header line first, for its spec.
        let firstLine = (try? ResultFile.header(path: results, options: read.options)) ?? PlainRecordLines.blankHeader
        let experiments = try HeaderSpec(firstLine, file: results).experiments(commandLine: experimentNames)
        let file: ResultContents
        do {
            // Only the curves the report draws are converted (--full-decode, hidden: every record in full, the reference path).
            file = fullDecode ? try ResultFile.load(path: results, options: read.options)
                : try ResultFile.load(path: results, options: read.options, curves: SweepReport.curvesRead(experiments: experiments))
        } catch let e as StoreError where e.code == .notAResultFile {
            // A header-less file of TrialRecord lines (what the coordinator wrote
            // before it used the Store): read it rather than refuse it.
            guard let plain = PlainRecordLines.read(results) else { throw CLIError(e.description) }
            file = plain
        } catch let e as StoreError {
            throw CLIError(e.description)
        } catch {
            throw CLIError("\(results): cannot read (\(error))")
        }
        guard !file.records.isEmpty else {
            throw CLIError(file.problems.isEmpty ? "\(results): no trial records" : ResultFile.noReadableLines(file.problems, path: results))
        }
        let name = file.header.sweepName.isEmpty ? URL(fileURLWithPath: results).lastPathComponent : file.header.sweepName
        let headerSpec = HeaderSpec(file.header, file: results)
        if experimentNames.isEmpty, !file.header.spec.isEmpty, let problem = headerSpec.problem {
            FileHandle.standardError.write(Data("note: \(problem): no reference experiment sections unless --experiment names one\n".utf8))
        }
        let grouped = GroupedSweep(records: SweepReport.latest(file.records))
        var doc = SweepReport.build(grouped, recordCount: file.records.count, title: title ?? "OverSweep report: \(name)", experiments: experiments)
        let coverage = Self.coverage(file)
        if let coverage { doc.sections.insert(Section(title: "Spec", blocks: [.paragraph(coverage)]), at: 0) }
        let toStdout = OutputFile.descriptor(named: out) != nil
        var lines: [String] = []
        if toStdout {
            do {
                try OutputFile.write(out, chunks: [Array(ReportWriter.html(doc).utf8)])
            } catch {
                throw CLIError("\(error)")
            }
            lines.append("wrote index.html (\(doc.figures.count) plots inline) to \(out == "-" ? "stdout" : out)")
        } else {
            let written: ReportWriter.Written
            do {
                written = try ReportWriter.write(doc, to: URL(fileURLWithPath: out))
            } catch {
                throw CLIError("\(out): cannot write the report (\((error as NSError).localizedDescription))")
            }
            lines.append("wrote \(written.markdown.path), \(written.html.path) and \(written.svgs.count) plots (.svg)")
        }
        // Lines the reader set aside (a torn last line after a crash, corruption) are reported, not fatal.
        SkippedLines.warn(file.problems, in: results, limit: 5)
        ReadNotes.unverified(file.unverifiedLines, in: results)
        lines.append("\(grouped.records.count) trials (\(grouped.okCount) ok, \(grouped.divergedCount) diverged, \(grouped.failedCount) failed) "
            + "in \(grouped.groups.count) groups; axes: " + (grouped.axes.isEmpty ? "none" : grouped.axes.map(\.name).joined(separator: ", ")))
        if let coverage { lines.append(coverage) }
        let reference = doc.sections.map(\.title).filter { $0.hasPrefix("E") && $0.contains("—") }
        if !reference.isEmpty { lines.append("reference figures: " + reference.joined(separator: "; ")) }
        let text = lines.joined(separator: "\n") + "\n"
        if toStdout { FileHandle.standardError.write(Data(text.utf8)) } else { print(text, terminator: "") }
    }

    /// Which spec revision the report covers and how much of it is recorded
    /// (nil when the file's spec cannot be planned, e.g. a trial list).
    static func coverage(_ file: ResultContents) -> String? {
        guard let latest = file.latestRevision, let plan = try? SpecRevisions.plan(of: latest) else { return nil }
        let ids = Set(file.records.map(\.id))
        let recorded = SpecRevisions.recorded(in: plan, ids)
        let revision = file.revisions.count > 1 ? "revision \(file.revisions.count) of the spec (line \(latest.line))" : "the spec"
        var text = "\(revision), hash \(latest.specHash.prefix(12)): \(recorded) of \(plan.trialCount) planned trials recorded"
        if recorded < plan.trialCount { text += ", \(plan.trialCount - recorded) remaining" }
        if ids.count > recorded { text += "; \(ids.count - recorded) recorded trials are not in it (earlier revisions)" }
        return text
    }
}

/// Header-less JSON lines, one `TrialRecord` per line (plain JSONEncoder
/// output). nil unless the first non-empty line is such a record.
enum PlainRecordLines {
    static let blankHeader = StoreHeader(sweepName: "", spec: "", specHash: "", toolVersion: "", createdAt: Date(timeIntervalSince1970: 0))

    static func read(_ path: String) -> ResultContents? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        // Dates as ISO 8601 strings (the coordinator's encoder) or as numbers (JSONEncoder's default).
        let iso = JSONDecoder()
        iso.dateDecodingStrategy = .iso8601
        let plain = JSONDecoder()
        func decode(_ line: Data) -> TrialRecord? {
            (try? iso.decode(TrialRecord.self, from: line)) ?? (try? plain.decode(TrialRecord.self, from: line))
        }
        var records: [TrialRecord] = []
        var problems: [LineProblem] = []
        var offset: UInt64 = 0
        for (i, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            defer { offset += UInt64(line.count) + 1 }
            guard !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) else { continue }
            if let r = decode(Data(line)) {
                records.append(r)
            } else if records.isEmpty {
                return nil
            } else {
                problems.append(LineProblem(line: i + 1, offset: offset, length: line.count, kind: .undecodable))
            }
        }
        guard !records.isEmpty else { return nil }
        return ResultContents(header: blankHeader, revisions: [], records: records, problems: problems)
    }
}
