import ArgumentParser
import Logging
import Synchronization

/// Logging flags shared by `coordinator`, `worker` and `run`.
struct LogOptions: ParsableArguments {
    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Flag(help: "Only warnings and errors; no progress line.")
    var quiet = false

    @Option(help: "Log line format: text or json (one JSON object per line).")
    var logFormat: Format = .text

    /// Sets up swift-log once for the process; returns a logger labelled `label`.
    func bootstrap(_ label: String) -> Logger {
        let level: Logger.Level = quiet ? .warning : .info
        let format = logFormat
        LoggingBootstrap.once {
            LoggingSystem.bootstrap { name in
                var h: any LogHandler = format == .json ? JSONLogHandler(label: name) : StreamLogHandler.standardError(label: name)
                h.logLevel = level
                return h
            }
        }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}

enum LoggingBootstrap {
    private static let done = Mutex(false)
    static func once(_ body: () -> Void) {
        let first = done.withLock { d -> Bool in defer { d = true }; return !d }
        if first { body() }
    }
}
