import ArgumentParser
import Foundation
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

    @Option(help: "Write the per-trial table as CSV to this path (replaced atomically).")
    var csv: String?

    @Option(help: "Write the curves in long form (id, axes, metric, step, value) as CSV to this path (replaced atomically).")
    var curves: String?

    @Flag(help: "Include every config field, not only those that vary between trials.")
    var allConfig = false

    func validate() throws {
        if csv == nil && curves == nil { throw ValidationError("give --csv PATH, --curves PATH or both") }
    }

    func run() async throws {
        do {
            let (_, records, problems) = try ResultFile.read(path: file)
            SkippedLines.warn(problems, in: file)
            if let csv {
                let (rows, columns) = try CSVExport.write(records, to: csv, allConfig: allConfig)
                print("wrote \(rows) rows × \(columns) columns to \(csv)")
            }
            if let curves {
                let rows = try CurveExport.write(records, to: curves, allConfig: allConfig)
                let trials = records.count { !$0.result.curves.isEmpty }
                print("wrote \(rows) curve points of \(trials) trials to \(curves)")
            }
        } catch let e as StoreError {
            throw CLIError(e.description)
        }
    }
}
