import ArgumentParser
import Foundation
import Report
import Store

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write tables (mean ± std over seeds), fits and SVG plots of a result file.",
        discussion: "Writes DIR/report.md, DIR/index.html (plots inline) and each plot as DIR/<name>.svg."
    )

    @Argument(help: ArgumentHelp("Result file (JSON lines) written by 'oversweep run' or 'coordinator'.", valueName: "RESULTS.jsonl"))
    var results: String

    @Option(name: [.short, .customLong("out")], help: ArgumentHelp("Directory to write the report into (created if missing).", valueName: "DIR"))
    var out: String

    @Option(help: "Title of the report (default: the result file's name).")
    var title: String?

    func run() async throws {
        let loaded = try ResultRecords.load(results)
        guard !loaded.records.isEmpty else {
            throw CLIError("\(results): no trial records" + (loaded.problems.first.map { " (\($0))" } ?? ""))
        }
        let doc = SweepReport.build(records: loaded.records,
                                    title: title ?? "OverSweep report: \(URL(fileURLWithPath: results).lastPathComponent)")
        let written: ReportWriter.Written
        do {
            written = try ReportWriter.write(doc, to: URL(fileURLWithPath: out))
        } catch {
            throw CLIError("\(out): cannot write the report (\((error as NSError).localizedDescription))")
        }
        for p in loaded.problems.prefix(5) { FileHandle.standardError.write(Data("warning: \(p)\n".utf8)) }
        if loaded.problems.count > 5 {
            FileHandle.standardError.write(Data("warning: \(loaded.problems.count - 5) more unreadable lines in \(results)\n".utf8))
        }
        let grouped = GroupedSweep(records: loaded.records)
        print("wrote \(written.markdown.path), \(written.html.path) and \(written.svgs.count) plots (.svg) in \(out)")
        print("\(grouped.records.count) trials (\(grouped.okCount) ok, \(grouped.divergedCount) diverged, \(grouped.failedCount) failed) "
            + "in \(grouped.groups.count) groups; axes: " + (grouped.axes.isEmpty ? "none" : grouped.axes.map(\.name).joined(separator: ", ")))
        let reference = doc.sections.map(\.title).filter { $0.hasPrefix("E") && $0.contains("—") }
        if !reference.isEmpty { print("reference figures: " + reference.joined(separator: "; ")) }
    }
}

/// Reads trial records from a JSON-lines result file.
/// STOPGAP until the Store's ResultFile reader is merged: every line that
/// decodes as a `TrialRecord` is a record; a first line that does not is taken
/// as the header; any other undecodable line is reported as a problem.
enum ResultRecords {
    static func load(_ path: String) throws -> (records: [TrialRecord], problems: [String]) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CLIError("\(path): cannot read (\((error as NSError).localizedDescription))")
        }
        let decoder = JSONDecoder()
        var records: [TrialRecord] = []
        var problems: [String] = []
        var lineNumber = 0
        var sawContent = false
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            guard line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\t") }) else { continue }
            defer { sawContent = true }
            do {
                records.append(try decoder.decode(TrialRecord.self, from: Data(line)))
            } catch {
                let isObject = (try? JSONSerialization.jsonObject(with: Data(line))) is [String: Any]
                if !sawContent && isObject { continue }  // the header line
                problems.append("\(path):\(lineNumber): not a trial record" + (isObject ? "" : " (not a JSON object)"))
            }
        }
        if records.isEmpty, let first = problems.first {
            throw CLIError("\(first)" + (problems.count > 1 ? " (and \(problems.count - 1) more bad lines)" : ""))
        }
        return (records, problems)
    }
}
