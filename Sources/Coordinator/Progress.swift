import Foundation

/// The coordinator's progress line: done/total, rate, ETA, workers, failures.
/// On a terminal it rewrites one line; otherwise it prints a line every
/// `plainInterval` seconds.
public final class ProgressLine: @unchecked Sendable {
    // Only touched from the coordinator's event loop, one call at a time.
    // Starts with (0 s, 0 done), so the first line already has a rate.
    private var history: [(time: Double, done: Int)] = [(0, 0)]
    private var lastPlain = -Double.infinity
    private let live: Bool
    private let plainInterval: Double
    private let start = Date()

    private let emit: (@Sendable (String) -> Void)?

    /// `emit` receives the periodic lines instead of stderr (e.g. a JSON logger); it implies plain lines.
    public init(live: Bool, plainInterval: Double = 10, emit: (@Sendable (String) -> Void)? = nil) {
        self.live = live && emit == nil
        self.plainInterval = plainInterval
        self.emit = emit
    }

    public static var stderrIsTTY: Bool { isatty(2) != 0 }

    public func update(_ s: CoordinatorStats) {
        let t = Date().timeIntervalSince(start)
        history.append((t, s.recordedThisRun))
        // The rate over the last 30 s (keeping the newest entry older than that as the window's start).
        while history.count > 2 && t - history[1].time >= 30 { history.removeFirst() }
        let rate: Double
        if let first = history.first, t - first.time > 0.5 {
            rate = Double(s.recordedThisRun - first.done) / (t - first.time)
        } else {
            rate = 0
        }
        let left = max(0, s.total - s.recorded)
        let eta = rate > 0 ? Self.duration(Double(left) / rate) : "--"
        let text = "\(s.recorded)/\(s.total) done, \(String(format: "%.1f", rate)) trials/s, ETA \(eta), "
            + "\(s.activeWorkers) worker\(s.activeWorkers == 1 ? "" : "s"), \(s.trialsInFlight) in flight, \(s.failedAttempts) failed attempts, \(s.quarantined) quarantined"
        if live {
            FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
        } else if t - lastPlain >= plainInterval {
            lastPlain = t
            if let emit { emit("progress: \(text)") } else { FileHandle.standardError.write(Data("progress: \(text)\n".utf8)) }
        }
    }

    public func finish() {
        if live { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return "\(s / 3600)h\(String(format: "%02d", s / 60 % 60))m" }
        if s >= 60 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s)s"
    }
}
