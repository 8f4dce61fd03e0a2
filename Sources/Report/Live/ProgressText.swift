import Foundation

/// What a view of a running sweep shows besides the numbers: where they come from.
public struct LiveContext: Sendable {
    /// The sweep's name (from the header).
    public var sweep: String
    public var file: String
    /// Whether a coordinator holds the file's write lock, said in words (nil: not checked).
    public var writer: String?
    /// A note on the plan, e.g. why the planned count is unknown.
    public var planNote: String?

    public init(sweep: String, file: String, writer: String? = nil, planNote: String? = nil) {
        self.sweep = sweep
        self.file = file
        self.writer = writer
        self.planNote = planNote
    }
}

/// The terminal summary of `oversweep status --watch`: a few lines that fit an ssh session.
public enum ProgressText {
    /// The one-line headline: "123 of 400 trials (30.8%): 120 ok, 2 diverged, 1 failed".
    public static func headline(_ s: ProgressSnapshot) -> String {
        let counts = "\(s.ok) ok, \(s.diverged) diverged, \(s.failed) failed"
        guard let planned = s.planned else { return "\(s.recorded) trials recorded: \(counts)" }
        let pct = s.fraction.map { String(format: " (%.1f%%)", 100 * $0) } ?? ""
        let strangers = s.recorded - s.recordedPlanned
        return "\(s.recordedPlanned) of \(planned) trials\(pct): \(counts)" + (strangers > 0 ? " (\(strangers) not in the plan)" : "")
            + (s.complete ? " — complete" : "")
    }

    /// "2.31 trials/s (latest 256), 1.90 overall · ETA 2m 00s · elapsed 53 s"
    public static func pace(_ s: ProgressSnapshot) -> String {
        var parts: [String] = []
        if let r = s.recentRate { parts.append("\(Format.number(r)) trials/s (latest \(min(s.recorded, SweepProgress.rateWindow)))") }
        if let r = s.overallRate { parts.append("\(Format.number(r)) trials/s overall") }
        if s.complete {
            parts.append("done")
        } else if let eta = s.eta {
            parts.append("ETA " + Format.duration(eta))
        } else {
            parts.append("ETA unknown")
        }
        if let e = s.elapsed { parts.append("elapsed " + Format.duration(e)) }
        return parts.joined(separator: " · ")
    }

    static func bar(_ fraction: Double, width: Int = 40) -> String {
        let filled = Int((max(0, min(1, fraction)) * Double(width)).rounded(.down))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }

    public static func render(_ s: ProgressSnapshot, context c: LiveContext, maxWorkers: Int = 12, maxProblems: Int = 5) -> String {
        var out = "sweep '\(c.sweep)' — \(c.file)\n"
        out += headline(s) + "\n"
        if let f = s.fraction { out += bar(f) + String(format: " %.1f%%", 100 * f) + "\n" }
        if let note = c.planNote { out += note + "\n" }
        out += pace(s) + "\n"
        if !s.workers.isEmpty {
            let rows = s.workers.prefix(maxWorkers).map { w in
                [w.name, w.host, "\(w.trials)", "\(w.ok)", "\(w.diverged)", "\(w.failed)",
                 w.secondsPerTrial.map { Format.number($0) } ?? "—", Format.duration(w.lastResultAgo) + " ago", w.state]
            }
            out += columns(["worker", "host", "trials", "ok", "div", "fail", "s/trial", "last result", "state"], rows)
            if s.workers.count > maxWorkers { out += "… and \(s.workers.count - maxWorkers) more workers\n" }
        }
        if !s.problems.isEmpty {
            out += "latest diverged or failed trials:\n"
            for p in s.problems.prefix(maxProblems) {
                out += "  \(p.id) \(p.status) \(p.sweep.isEmpty ? "" : "[\(p.sweep)] ")seed=\(p.seed): \(p.message.isEmpty ? "—" : p.message)\n"
            }
        }
        if s.unreadableLines > 0 { out += "unreadable lines: \(s.unreadableLines) (not counted)\n" }
        out += "updated " + clock(s.updated) + (c.writer.map { " · " + $0 } ?? "") + "\n"
        return out
    }

    /// Left-aligned text columns, numbers right-aligned.
    static func columns(_ header: [String], _ rows: [[String]]) -> String {
        let widths = header.indices.map { i in ([header[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).enumerated().map { i, cw in
                let (cell, w) = cw
                let pad = String(repeating: " ", count: max(0, w - cell.count))
                return (i >= 2 && i <= 6) ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
        }
        return line(header) + rows.map(line).joined()
    }

    /// "14:03:07" in UTC, as the result file's timestamps are.
    static func clock(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "HH:mm:ss 'UTC'"
        return f.string(from: d)
    }
}
