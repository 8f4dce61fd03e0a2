import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TestSupport

/// Chromium, headless, driven over the DevTools protocol through
/// `--remote-debugging-pipe`: JSON messages, each ended by a NUL byte, on
/// file descriptor 3 (to the browser) and 4 (from it). Enough of the protocol
/// to open a page, evaluate expressions in it and collect what it reports to
/// the console (exceptions, console.error, failed loads).
final class HeadlessChromium {
    /// Debian's package installs /usr/bin/chromium.
    static var executable: URL? {
        ["chromium", "chromium-browser", "google-chrome"].lazy.compactMap { Subprocess.which($0) }.first
    }

    enum Failure: Error, CustomStringConvertible {
        case spawn(Int32), exited, timeout(String), protocolError(String)
        var description: String {
            switch self {
            case .spawn(let e): "cannot start chromium (posix_spawn: \(String(cString: strerror(e))))"
            case .exited: "chromium closed the DevTools pipe"
            case .timeout(let what): "chromium did not answer \(what) in time"
            case .protocolError(let m): "DevTools error: \(m)"
            }
        }
    }

    private let pid: pid_t
    private let toBrowser: Int32
    private let fromBrowser: Int32
    private var buffer: [UInt8] = []
    private var nextID = 1
    private var session: String?
    private var closed = false
    /// Every event received, in order.
    private(set) var events: [[String: Any]] = []
    let log: URL

    init(executable: URL, profile: URL) throws {
        log = profile.appendingPathComponent("chromium.log")
        var toChild: [Int32] = [0, 0], fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { throw Failure.spawn(errno) }
        for fd in toChild + fromChild { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        toBrowser = toChild[1]
        fromBrowser = fromChild[0]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Fds 3 and 4 in the child; every other descriptor of ours is close-on-exec.
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 3)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 4)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, log.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        let arguments = [executable.path, "--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                         "--user-data-dir=\(profile.path)", "about:blank"]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable.path, &actions, nil, &argv, environ)
        close(toChild[0])
        close(fromChild[1])
        guard rc == 0 else {
            close(toChild[1])
            close(fromChild[0])
            throw Failure.spawn(rc)
        }
        pid = child
    }

    deinit { shutdown() }

    /// Closes the browser (Browser.close, then SIGKILL if it lingers) and reaps it.
    func shutdown() {
        guard !closed else { return }
        closed = true
        _ = try? send("Browser.close", session: false, timeout: 3)
        close(toBrowser)
        close(fromBrowser)
        var status: Int32 = 0
        for _ in 0..<100 {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(30_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }

    /// Opens `url` in a new page and waits for its load event.
    func open(_ url: URL, timeout: Double = 20) throws {
        let target = try send("Target.createTarget", ["url": "about:blank"], session: false, timeout: timeout)
        guard let targetID = target["targetId"] as? String else { throw Failure.protocolError("no targetId") }
        let attached = try send("Target.attachToTarget", ["targetId": targetID, "flatten": true], session: false, timeout: timeout)
        session = attached["sessionId"] as? String
        for domain in ["Runtime.enable", "Log.enable", "Page.enable"] { _ = try send(domain, timeout: timeout) }
        let seen = events.count
        _ = try send("Page.navigate", ["url": url.absoluteString], timeout: timeout)
        let deadline = Date().addingTimeInterval(timeout)
        while !events[seen...].contains(where: { $0["method"] as? String == "Page.loadEventFired" }) {
            guard Date() < deadline else { throw Failure.timeout("the page's load event") }
            try receive(until: deadline)
        }
    }

    /// The value of a JavaScript expression in the page (JSON-able values only).
    func evaluate(_ expression: String, timeout: Double = 10) throws -> Any? {
        let r = try send("Runtime.evaluate", ["expression": expression, "returnByValue": true], timeout: timeout)
        if let e = r["exceptionDetails"] { throw Failure.protocolError("evaluating \(expression): \(e)") }
        return (r["result"] as? [String: Any])?["value"]
    }

    /// Polls `expression` until `holds` accepts its value or the time is up.
    func waitFor(_ expression: String, within seconds: Double, _ holds: (Any?) -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if holds(try evaluate(expression)) { return true }
            usleep(100_000)
        }
        return holds(try evaluate(expression))
    }

    /// What the page reported as an error: uncaught exceptions, console.error/assert, error log entries (failed loads).
    var consoleErrors: [String] {
        events.compactMap { e -> String? in
            let params = e["params"] as? [String: Any] ?? [:]
            switch e["method"] as? String {
            case "Runtime.exceptionThrown":
                let details = params["exceptionDetails"] as? [String: Any] ?? [:]
                let exception = details["exception"] as? [String: Any] ?? [:]
                let line = (details["lineNumber"] as? Int).map { ":\($0 + 1)" } ?? ""
                return "exception at \(details["url"] ?? "?")\(line): \(exception["description"] ?? details["text"] ?? "?")"
            case "Runtime.consoleAPICalled" where ["error", "assert"].contains(params["type"] as? String ?? ""):
                let args = (params["args"] as? [[String: Any]] ?? []).map { "\($0["value"] ?? $0["description"] ?? "?")" }
                return "console.\(params["type"] ?? ""): " + args.joined(separator: " ")
            case "Log.entryAdded":
                let entry = params["entry"] as? [String: Any] ?? [:]
                return entry["level"] as? String == "error" ? "log: \(entry["text"] ?? "") \(entry["url"] ?? "")" : nil
            default:
                return nil
            }
        }
    }

    /// Sends a command (to the page's session unless `session` is false) and returns its result.
    func send(_ method: String, _ params: [String: Any] = [:], session useSession: Bool = true, timeout: Double) throws -> [String: Any] {
        let id = nextID
        nextID += 1
        var message: [String: Any] = ["id": id, "method": method, "params": params]
        if useSession, let session { message["sessionId"] = session }
        var bytes = [UInt8](try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(toBrowser, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Failure.exited }
            sent += n
        }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let i = pendingReplies.firstIndex(where: { $0["id"] as? Int == id }) {
                let reply = pendingReplies.remove(at: i)
                if let error = reply["error"] { throw Failure.protocolError("\(method): \(error)") }
                return reply["result"] as? [String: Any] ?? [:]
            }
            guard Date() < deadline else { throw Failure.timeout(method) }
            try receive(until: deadline)
        }
    }

    private var pendingReplies: [[String: Any]] = []

    /// Reads what is available (waiting at most until `deadline`) and files each message as a reply or an event.
    private func receive(until deadline: Date) throws {
        var pfd = pollfd(fd: fromBrowser, events: Int16(POLLIN), revents: 0)
        let ms = Int32(max(0, min(200, deadline.timeIntervalSinceNow * 1000)))
        let ready = poll(&pfd, 1, ms)
        guard ready > 0 else { return }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let n = chunk.withUnsafeMutableBytes { read(fromBrowser, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { return }
        guard n > 0 else { throw Failure.exited }
        buffer += chunk[0..<n]
        while let end = buffer.firstIndex(of: 0) {
            let message = Data(buffer[..<end])
            buffer.removeSubrange(...end)
            guard let object = try? JSONSerialization.jsonObject(with: message) as? [String: Any] else { continue }
            if object["id"] != nil { pendingReplies.append(object) } else { events.append(object) }
        }
    }
}
