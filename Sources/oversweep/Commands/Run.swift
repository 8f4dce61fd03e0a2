import ArgumentParser
import Coordinator
import Foundation
import Logging
import Wire
import ZeroMQTransport

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a sweep on this machine: a coordinator plus N local worker processes.",
        discussion: "The same protocol as a cluster, over an ipc:// socket. Interrupt and rerun with --resume to continue."
    )

    @Argument(help: "The sweep: a YAML spec (see docs/spec-format.md) or a trial list (.jsonl).")
    var spec: String

    @Option(help: "Local worker processes (default: one per core).")
    var workers: Int?

    @OptionGroup var flags: CoordinatorFlags

    @Option(help: ArgumentHelp("Passed to the workers (see `worker --simulate`).", visibility: .hidden))
    var simulate: Double?

    @OptionGroup var log: LogOptions

    func validate() throws {
        if let workers, workers < 1 || workers > 1024 { throw ValidationError("--workers must be 1…1024") }
        if let simulate, simulate < 0 { throw ValidationError("--simulate must not be negative") }
    }

    func run() async throws {
        let signals = Signals.stream()
        let logger = log.bootstrap("run")
        let out = flags.out ?? "out/\(URL(fileURLWithPath: spec).deletingPathExtension().lastPathComponent).jsonl"
        let dir = URL(fileURLWithPath: out).deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let core = try flags.makeCore(spec: spec, out: out, logger: logger)

        let socketDir = FileManager.default.temporaryDirectory.appendingPathComponent("oversweep-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: socketDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: socketDir) }
        let endpoint = "ipc://\(socketDir.path)/coordinator.sock"
        let transport: ZMQServerTransport
        do {
            var socket = SocketSpec(role: .router(bind: [endpoint]), maxMessageSize: Int64(flags.maxMessageSize))
            socket.heartbeatIntervalMs = Int32(min(flags.heartbeatInterval * 500, 5000))
            socket.heartbeatTimeoutMs = Int32(min(flags.heartbeatInterval * 1500, 15000))
            transport = try ZMQServerTransport(context: try ZMQContext(), spec: socket, logger: logger)
        } catch {
            throw CLIError("cannot bind \(endpoint): \(error)")
        }

        let count = workers ?? ProcessInfo.processInfo.activeProcessorCount
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var children: [Process] = []
        for i in 0..<count {
            let p = Process()
            p.executableURL = exe
            var args = ["worker", "--connect", endpoint, "--jobs", "1", "--name", "local-\(i + 1)",
                        "--log-format", log.logFormat.rawValue, "--max-backoff", "2"]
            if log.quiet { args.append("--quiet") }
            if let simulate { args += ["--simulate", "\(simulate)"] }
            p.arguments = args
            do { try p.run() } catch {
                children.forEach { $0.terminate() }
                throw CLIError("cannot start worker process \(exe.path): \(error)")
            }
            children.append(p)
        }
        let remaining = core.stats.total - core.stats.recorded
        logger.info("running \(remaining) remaining trial\(remaining == 1 ? "" : "s") of \(core.stats.total) with \(count) local worker\(count == 1 ? "" : "s") → \(out)")
        let code = await flags.serve(core: core, transport: transport, signals: signals, logger: logger, log: log)
        await Self.reap(children)
        if code != 0 { throw ExitCode(code) }
    }

    /// Workers exit on `done`; any still running after a moment get SIGTERM, then SIGKILL.
    static func reap(_ children: [Process]) async {
        func waitAll(_ seconds: Double) async {
            let deadline = Date().addingTimeInterval(seconds)
            while children.contains(where: \.isRunning) && Date() < deadline {
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        await waitAll(2)
        for p in children where p.isRunning { p.terminate() }
        await waitAll(4)
        for p in children where p.isRunning { kill(p.processIdentifier, SIGKILL) }
        await waitAll(1)
    }
}
