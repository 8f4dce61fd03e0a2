import ArgumentParser
import Foundation
import SafeFiles
import Store

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a result file as flat tables: one row per trial (--csv), one row per curve point (--curves).",
        discussion: """
            --csv: id, sub-sweep, status, the config fields that vary (every field with \
            --all-config), final metrics, run facts.

            --curves: long ("tidy") form of the training curves: id, the same config columns, \
            metric, step, value; one row per recorded point.
            """
    )

    @Argument(help: "The result file (JSON lines).")
    var file: String

    @Option(help: "Write the per-trial table as CSV to this path (- for stdout; a regular file is replaced atomically, a FIFO or device written through).")
    var csv: String?

    @Option(help: "Write the curves in long form (id, axes, metric, step, value) as CSV to this path (- for stdout; as --csv).")
    var curves: String?

    @Flag(help: "Include every config field, not only those that vary between trials.")
    var allConfig = false

    @OptionGroup var read: ReadFlags

    func validate() throws {
        if csv == nil && curves == nil { throw ValidationError("give --csv PATH, --curves PATH or both") }
        if let csv, let curves, let a = OutputFile.descriptor(named: csv), a == OutputFile.descriptor(named: curves) {
            throw ValidationError("--csv and --curves cannot both write to the same descriptor (\(csv))")
        }
    }

    func run() async throws {
        // Messages go to stderr when a table goes to stdout.
        let toStdout = [csv, curves].contains { $0.flatMap(OutputFile.descriptor(named:)) == 1 }
        func say(_ line: String) {
            if toStdout { FileHandle.standardError.write(Data((line + "\n").utf8)) } else { print(line) }
        }
        do {
            let file = try ResultFile.load(path: file, options: read.options)
            if file.records.isEmpty && !file.problems.isEmpty {
                throw CLIError(ResultFile.noReadableLines(file.problems, path: self.file))
            }
            SkippedLines.warn(file.problems, in: self.file)
            ReadNotes.unverified(file.unverifiedLines, in: self.file)
            if let csv {
                let (rows, columns) = try CSVExport.write(file.records, to: csv, allConfig: allConfig)
                say("wrote \(rows) rows × \(columns) columns to \(csv == "-" ? "stdout" : csv)")
            }
            if let curves {
                let rows = try CurveExport.write(file.records, to: curves, allConfig: allConfig)
                let trials = file.records.count { !$0.result.curves.isEmpty }
                say("wrote \(rows) curve points of \(trials) trials to \(curves == "-" ? "stdout" : curves)")
            }
        } catch let e as StoreError {
            throw CLIError(e.description)
        }
    }
}
