import ArgumentParser
import Foundation
import Store

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a result file as a flat table: config fields and final metrics, one row per trial."
    )

    @Argument(help: "The result file (JSON lines).")
    var file: String

    @Option(help: "Write CSV to this path (replaced atomically).")
    var csv: String

    @Flag(help: "Include every config field, not only those that vary between trials.")
    var allConfig = false

    func run() async throws {
        do {
            let (_, records, problems) = try ResultFile.read(path: file)
            SkippedLines.warn(problems, in: file)
            let (rows, columns) = try CSVExport.write(records, to: csv, allConfig: allConfig)
            print("wrote \(rows) rows × \(columns) columns to \(csv)")
        } catch let e as StoreError {
            throw CLIError(e.description)
        }
    }
}
