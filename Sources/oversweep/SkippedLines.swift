import Foundation
import Store

/// The unreadable lines a command passed over while reading a result file.
enum SkippedLines {
    /// One `warning: FILE:LINE: problem (detail), line skipped` line on stderr
    /// per problem, the first `limit` of them, then how many more there were.
    static func warn(_ problems: [LineProblem], in path: String, limit: Int = .max) {
        for p in problems.prefix(limit) {
            let detail = p.detail.isEmpty ? "" : " (\(p.detail))"
            FileHandle.standardError.write(Data("warning: \(path):\(p.line): \(p.kind.rawValue)\(detail), line skipped\n".utf8))
        }
        if problems.count > limit {
            FileHandle.standardError.write(Data("warning: \(path): \(problems.count - limit) more unreadable lines skipped\n".utf8))
        }
    }
}
