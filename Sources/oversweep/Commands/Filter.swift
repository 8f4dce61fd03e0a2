import ArgumentParser
import Foundation
import SafeFiles
import Store

struct Filter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filter",
        abstract: "Write the trials of a result file that meet conditions as a new result file (with checksums).",
        discussion: """
            Each --where is KEY OP VALUE with OP one of =, !=, <, <=, >, >= (all must hold). \
            KEY is a record member (status, sweep, id, worker, host, attempt, steps_run, \
            seconds, message, build, blas), a config field (width, or config.width) or a \
            metric (test_error, or metrics.test_error). Numbers compare as numbers; a trial \
            without the value (a metric it lacks) does not match.

            The output keeps the input's header and spec revisions, so it is a result file \
            of the same sweep: status, export, report and merge read it, and a resume on it \
            runs the trials left out. Unlike a jq filter, its lines carry valid checksums.

            Examples: --where status=ok --where 'width>=256'; --where 'metrics.test_error<0.05'.
            """
    )

    @Argument(help: "The result file (JSON lines).")
    var file: String

    @Option(name: .customLong("where"), help: ArgumentHelp("A condition KEY OP VALUE (repeatable; all must hold).", valueName: "CONDITION"))
    var conditions: [String] = []

    @Option(name: [.customShort("o"), .customLong("output")], help: "The file to write (- for stdout; a regular file is replaced atomically, a FIFO or device written through).")
    var output: String

    @OptionGroup var read: ReadFlags

    func validate() throws {
        if conditions.isEmpty { throw ValidationError("give at least one --where CONDITION (e.g. --where status=ok)") }
        for c in conditions {
            do { _ = try ResultFilter.Condition(c) } catch { throw ValidationError(error.message) }
        }
    }

    func run() async throws {
        let summary: ResultFilter.Summary
        do {
            let parsed = try conditions.map { c throws(StoreError) in try ResultFilter.Condition(c) }
            summary = try ResultFilter.filter(file, into: output, conditions: parsed, options: read.options)
        } catch let e as StoreError {
            throw CLIError(e.description)
        }
        SkippedLines.warn(summary.problems, in: file)
        ReadNotes.unverified(summary.unverifiedLines, in: file)
        let line = "kept \(summary.kept) of \(summary.read) trials → \(output == "-" ? "stdout" : output)\n"
        if OutputFile.descriptor(named: output) == 1 {
            FileHandle.standardError.write(Data(line.utf8))
        } else {
            print(line, terminator: "")
        }
    }
}
