import Foundation
import Report
import Store

/// `oversweep status FILE --watch`: the progress of a running sweep in a
/// terminal (for ssh sessions): counts, rate, ETA, per-worker state and the
/// latest failures, redrawn every `interval` seconds from the bytes appended
/// since the last refresh. On a terminal the screen is redrawn in place;
/// otherwise (a log, a pipe) a block is printed only when something changed.
/// Stops when the planned trials are all recorded, or on SIGINT/SIGTERM.
enum StatusWatch {
    static func run(file: String, interval: Double) async throws {
        let stop = StopSignal()
        var follower = SweepFollower(path: file)
        let terminal = isatty(STDOUT_FILENO) != 0
        var lastHeadline = ""
        while true {
            _ = try follower.refresh()
            if let progress = follower.progress {
                let snapshot = progress.snapshot(at: Date())
                let text = ProgressText.render(snapshot, context: follower.context)
                let headline = ProgressText.headline(snapshot)
                // Unbuffered, so a pipe or a log sees each block as it is drawn.
                if terminal {
                    // Home, clear: one screen that stays put.
                    FileHandle.standardOutput.write(Data(("\u{1B}[H\u{1B}[2J" + text + (snapshot.complete ? "" : "Ctrl-C to stop\n")).utf8))
                } else if headline != lastHeadline || snapshot.complete {
                    FileHandle.standardOutput.write(Data((text + "\n").utf8))
                }
                lastHeadline = headline
                if snapshot.complete { return }
            }
            if stop.isRaised { return }
            await stop.sleep(interval)
            if stop.isRaised { return }
        }
    }
}
