import ArgumentParser
import Foundation
import Store

/// `--accept-edited`, shared by the commands that read result files.
struct ReadFlags: ParsableArguments {
    @Flag(help: "Also read lines whose checksum is missing or wrong when they parse as complete records (a file rewritten by jq or an editor); they are counted. Prefer `oversweep filter` to subset a file.")
    var acceptEdited = false

    var options: ReadOptions { ReadOptions(acceptEdited: acceptEdited) }
}

/// What the commands print about a file's lines beyond its records.
enum ReadNotes {
    /// One line on stderr when lines were accepted without a valid checksum.
    static func unverified(_ count: Int, in path: String) {
        guard count > 0 else { return }
        FileHandle.standardError.write(Data("note: \(path): \(count) line\(count == 1 ? "" : "s") accepted without a valid checksum (--accept-edited)\n".utf8))
    }

}
