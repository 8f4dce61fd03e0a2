import ArgumentParser
import Foundation
import SafeFiles
import Store
import Training
import TrialContract

extension TrialStatus: ExpressibleByArgument {}

extension MergePreference: ExpressibleByArgument {}

struct Merge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Union result files by trial id into one file, written atomically.",
        discussion: """
            A trial recorded in several inputs is written once. Copies whose outcome \
            (status, metrics, curves, steps run, config) agrees are counted as identical \
            duplicates; timings, worker, host and attempt are not compared. When copies \
            disagree, --prefer decides: 'first' keeps the first occurrence (inputs in the \
            order given, lines in file order), 'last' the last, 'fail' stops without \
            writing anything.

            --drop-status failed leaves failed trials out (a resume runs failed \
            trials again anyway, unless --keep-failed).
            """
    )

    @Argument(help: "Result files to merge, in order (the order --prefer refers to).")
    var inputs: [String]

    @Option(name: [.customShort("o"), .customLong("output")], help: "The merged file to write (- for stdout; a regular file is replaced atomically, a FIFO or device written through).")
    var output: String

    @Option(help: "Which copy wins when copies of one trial disagree: first, last or fail.")
    var prefer: MergePreference = .fail

    @Flag(help: "Merge files of different sweeps (different spec hashes).")
    var allowMixed = false

    @Option(name: .customLong("drop-status"), help: "Leave out trials with this status (failed, diverged or ok; repeatable): a resume on the output runs them again.")
    var dropStatus: [TrialStatus] = []

    @OptionGroup var read: ReadFlags

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("merge needs at least one input file") }
        if output.isEmpty { throw ValidationError("-o/--output must name a file") }
    }

    func run() async throws {
        let summary: MergeSummary
        do {
            summary = try ResultMerge.mergeFiles(inputs, into: output, prefer: prefer, allowMixed: allowMixed, dropping: Set(dropStatus),
                                                 options: read.options)
        } catch let e as StoreError {
            throw CLIError(e.description)
        }
        // The counts go to stderr when the merged file goes to stdout.
        let toStdout = OutputFile.descriptor(named: output) == 1
        var text = ""
        func say(_ line: String) { text += line + "\n" }
        for input in summary.inputs { SkippedLines.warn(input.problems, in: input.path) }
        if summary.unverifiedLines > 0 { say("accepted \(summary.unverifiedLines) input lines without a valid checksum (--accept-edited)") }
        say("merged \(summary.inputs.count) file\(summary.inputs.count == 1 ? "" : "s") into \(toStdout ? "stdout" : output): \(summary.written) trials written")
        for input in summary.inputs {
            say("  \(input.path): \(input.records) records" + (input.problems.isEmpty ? "" : ", \(input.problems.count) unreadable lines skipped"))
        }
        if !dropStatus.isEmpty {
            say("left out \(summary.dropped) trial records with status \(dropStatus.map(\.rawValue).joined(separator: " or ")) (a resume on \(output) runs them again)")
        }
        let rule = prefer == .last ? "kept the last copy" : "kept the first copy"
        say("identical duplicates: \(summary.identicalDuplicates); conflicting duplicates: \(summary.conflicts.count)"
            + (summary.conflicts.isEmpty ? "" : " (\(rule))"))
        for c in summary.conflicts.prefix(20) { say("  \(c)") }
        if summary.conflicts.count > 20 { say("  … and \(summary.conflicts.count - 20) more") }
        if summary.specHashes.count > 1 { say("mixed sweeps: \(summary.specHashes.count) spec hashes (header marks the file as mixed)") }
        if toStdout { FileHandle.standardError.write(Data(text.utf8)) } else { print(text, terminator: "") }
    }
}
