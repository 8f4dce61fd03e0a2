import ArgumentParser
import Dispatch
import Foundation
import Logging
import Synchronization
import Wire

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

/// One JSON object per log line on stderr: time, level, label, message, metadata.
struct JSONLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    let label: String

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var object: [String: String] = [
            "time": ISO8601DateFormatter().string(from: Date()),
            "level": event.level.rawValue,
            "label": label,
            "message": event.message.description,
        ]
        for (k, v) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { object[k] = "\(v)" }
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
            FileHandle.standardError.write(data + Data("\n".utf8))
        }
    }
}

/// SIGINT and SIGTERM as an AsyncStream (the default action is disabled).
enum Signals {
    static func stream(_ signals: [Int32] = [SIGINT, SIGTERM]) -> AsyncStream<Int32> {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        var sources: [any DispatchSourceSignal] = []
        for s in signals {
            signal(s, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: s, queue: .global())
            source.setEventHandler { continuation.yield(s) }
            source.resume()
            sources.append(source)
        }
        let keep = SourceBox(sources)
        continuation.onTermination = { _ in keep.cancel() }
        return stream
    }

    private final class SourceBox: @unchecked Sendable {
        // Written once at creation; cancel() runs once at stream termination.
        let sources: [any DispatchSourceSignal]
        init(_ s: [any DispatchSourceSignal]) { sources = s }
        func cancel() { sources.forEach { $0.cancel() } }
    }
}

/// Endpoint checks shared by the commands.
enum Endpoints {
    /// True when a tcp endpoint binds or connects beyond this machine.
    static func isPublicTCP(_ endpoint: String) -> Bool {
        guard endpoint.hasPrefix("tcp://") else { return false }
        var host = String(endpoint.dropFirst(6))
        if let colon = host.lastIndex(of: ":") { host = String(host[..<colon]) }
        host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return !(host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "lo")
    }

    static func validate(_ endpoint: String, flag: String) throws {
        let ok = ["tcp://", "ipc://", "inproc://"].contains { endpoint.hasPrefix($0) }
        if !ok || endpoint.count < 8 {
            throw ValidationError("\(flag) \(endpoint): expected tcp://HOST:PORT or ipc://PATH")
        }
    }
}

/// A short stable hash for ids of inputs that have no spec hash yet (FNV-1a 64).
func fnv1a(_ bytes: some Sequence<UInt8>) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    return String(format: "%016llx", h)
}
