import ArgumentParser
import Foundation
import Report
import Store

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write tables (mean ± std over seeds), fits and SVG plots of a result file.",
        discussion: """
            Writes DIR/report.md, DIR/index.html (plots inline) and each plot as DIR/<name>.svg. The sections of a \
            reference experiment (E1–E7) are drawn when the spec in the file's header says `experiment: E1` (or --experiment).

            With --watch, follows a sweep while it runs: DIR/index.html shows progress, rate, ETA, workers, failures \
            and the plots so far, and reloads its data (DIR/live.js) by itself, no server needed; the command stops \
            when every planned trial is recorded, or on Ctrl-C.
            """
    )

    @Argument(help: ArgumentHelp("Result file (JSON lines) written by 'oversweep run' or 'coordinator'.", valueName: "RESULTS.jsonl"))
    var results: String

    @Option(name: [.short, .customLong("out")], help: ArgumentHelp("Directory to write the report into (created if missing).", valueName: "DIR"))
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

    func run() async throws {
        if watch {
            try await ReportWatch(results: results, out: URL(fileURLWithPath: out), title: title, experimentNames: experimentNames,
                                  interval: StopSignal.interval(interval)).run()
            return
        }
        let file: (header: StoreHeader, records: [TrialRecord], problems: [LineProblem])
        do {
            file = try ResultFile.read(path: results)
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
            throw CLIError("\(results): no trial records" + (file.problems.isEmpty ? "" : " (\(file.problems.count) unreadable lines, first: \(file.problems[0]))"))
        }
        let name = file.header.sweepName.isEmpty ? URL(fileURLWithPath: results).lastPathComponent : file.header.sweepName
        let headerSpec = HeaderSpec(file.header, file: results)
        if experimentNames.isEmpty, !file.header.spec.isEmpty, let problem = headerSpec.problem {
            FileHandle.standardError.write(Data("note: \(problem): no reference experiment sections unless --experiment names one\n".utf8))
        }
        let experiments = try headerSpec.experiments(commandLine: experimentNames)
        let doc = SweepReport.build(records: file.records, title: title ?? "OverSweep report: \(name)", experiments: experiments)
        let written: ReportWriter.Written
        do {
            written = try ReportWriter.write(doc, to: URL(fileURLWithPath: out))
        } catch {
            throw CLIError("\(out): cannot write the report (\((error as NSError).localizedDescription))")
        }
        // Lines the reader set aside (a torn last line after a crash, corruption) are reported, not fatal.
        SkippedLines.warn(file.problems, in: results, limit: 5)
        let grouped = GroupedSweep(records: SweepReport.latest(file.records))
        print("wrote \(written.markdown.path), \(written.html.path) and \(written.svgs.count) plots (.svg)")
        print("\(grouped.records.count) trials (\(grouped.okCount) ok, \(grouped.divergedCount) diverged, \(grouped.failedCount) failed) "
            + "in \(grouped.groups.count) groups; axes: " + (grouped.axes.isEmpty ? "none" : grouped.axes.map(\.name).joined(separator: ", ")))
        let reference = doc.sections.map(\.title).filter { $0.hasPrefix("E") && $0.contains("—") }
        if !reference.isEmpty { print("reference figures: " + reference.joined(separator: "; ")) }
    }
}

/// Header-less JSON lines, one `TrialRecord` per line (plain JSONEncoder
/// output). nil unless the first non-empty line is such a record.
enum PlainRecordLines {
    static func read(_ path: String) -> (header: StoreHeader, records: [TrialRecord], problems: [LineProblem])? {
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
        let header = StoreHeader(sweepName: "", spec: "", specHash: "", toolVersion: "", createdAt: Date(timeIntervalSince1970: 0))
        return (header, records, problems)
    }
}
