import ArgumentParser
import Coordinator
import Foundation
import Logging
import Synchronization
import Wire
import Worker
import ZeroMQTransport

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a sweep on this machine: a coordinator plus N local worker processes.",
        discussion: "The same protocol as a cluster, over an ipc:// socket. A local worker that dies is restarted (a few times, with a growing pause); when none is left, run stops with status 1. Exit status as `coordinator`: 0 all recorded, 3 some trials failed or were quarantined, 1 error, 128+N after signal N. Interrupt and rerun with --resume to continue."
    )

    @Argument(help: "The sweep: a YAML spec (see docs/spec-format.md) or a trial list (.jsonl).")
    var spec: String

    @Option(help: "Local worker processes (default: one per core).")
    var workers: Int?

    @OptionGroup var flags: CoordinatorFlags

    @Option(help: ArgumentHelp("Passed to the workers (see `worker --simulate`).", visibility: .hidden))
    var simulate: Double?

    @Option(help: ArgumentHelp("Restarts of dead local workers allowed in all (default: 3 per worker).", visibility: .hidden))
    var maxRestarts: Int?

    @Option(help: ArgumentHelp("Benchmarks: this many simulated workers inside this process (in-process transport) instead of worker processes.", visibility: .hidden))
    var inProcessWorkers: Int?

    @OptionGroup var log: LogOptions

    func validate() throws {
        if let workers, workers < 1 || workers > 1024 { throw ValidationError("--workers must be 1…1024") }
        if let simulate, simulate < 0 { throw ValidationError("--simulate must not be negative") }
        if let maxRestarts, maxRestarts < 0 { throw ValidationError("--max-restarts must not be negative") }
        if let inProcessWorkers, inProcessWorkers < 1 || inProcessWorkers > 100_000 { throw ValidationError("--in-process-workers must be 1…100000") }
    }

    func run() async throws {
        let signals = Signals.stream()
        let logger = log.bootstrap("run")
        let out = flags.out ?? "out/\(URL(fileURLWithPath: spec).deletingPathExtension().lastPathComponent).jsonl"
        let dir = URL(fileURLWithPath: out).deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let input = try flags.readSweep(spec)
        if let n = inProcessWorkers {
            let code = try await runInProcess(input, workers: n, out: out, signals: signals, logger: logger)
            if code != 0 { throw ExitCode(code) }
            return
        }

        LocalSocketDirectory.removeStale()
        let socketDir = try LocalSocketDirectory.make()
        defer { try? FileManager.default.removeItem(at: socketDir) }
        let endpoint = "ipc://\(socketDir.path)/coordinator.sock"
        // Bound before the result file is opened: a failed bind leaves no file behind.
        let transport = try flags.bind([endpoint], curve: nil, logger: logger)
        let core: CoordinatorCore
        do { core = try flags.makeCore(input, out: out, logger: logger) } catch {
            transport.close(lingerMs: 0)
            throw error
        }

        let count = workers ?? ProcessInfo.processInfo.activeProcessorCount
        var args = ["worker", "--connect", endpoint, "--jobs", "1", "--log-format", log.logFormat.rawValue, "--max-backoff", "2"]
        if log.quiet { args.append("--quiet") }
        if let simulate { args += ["--simulate", "\(simulate)"] }
        let local = LocalWorkers(arguments: args, count: count, maxRestarts: maxRestarts ?? 3 * count, logger: logger)
        do { try local.startAll() } catch {
            local.stop()
            transport.close(lingerMs: 0)
            throw CLIError("cannot start worker process: \(error)")
        }
        let remaining = core.stats.total - core.stats.recorded
        logger.info("running \(remaining) remaining trial\(remaining == 1 ? "" : "s") of \(core.stats.total) with \(count) local worker\(count == 1 ? "" : "s") → \(out)")
        let code = await flags.serve(core: core, transport: transport, signals: signals, logger: logger, log: log, out: out,
                                     abandon: { local.abandonReason() }, doneDelivered: { local.allExited() })
        local.stop()
        await local.reap()
        if code != 0 { throw ExitCode(code) }
    }

    /// `--in-process-workers N`: the coordinator and N simulated workers in
    /// this process, over the in-process transport (dispatch benchmarks).
    private func runInProcess(_ input: CoordinatorFlags.SweepInput, workers n: Int, out: String, signals: AsyncStream<Int32>,
                              logger: Logger) async throws -> Int32 {
        let core = try flags.makeCore(input, out: out, logger: logger)
        let net = InProcessNetwork()
        var quiet = logger
        quiet.logLevel = .error
        let runner = SimulatedRunner(secondsPerTrial: simulate ?? 0)
        var tasks: [Task<WorkerOutcome, Never>] = []
        for i in 0..<n {
            var o = WorkerOptions(name: "sim-\(i + 1)", host: "in-process")
            o.heartbeatInterval = flags.heartbeatInterval
            o.liveness = flags.liveness
            let agent = WorkerAgent(options: o, runner: runner, logger: quiet)
            let client = net.client("sim-\(i + 1)")
            tasks.append(Task { await agent.run(transport: client, clock: SystemClock(), tickInterval: 0.25) })
        }
        logger.info("running \(core.stats.total) trials with \(n) in-process simulated workers → \(out)")
        let code = await flags.serve(core: core, transport: net.server, signals: signals, logger: logger, log: log, out: out)
        net.server.close(lingerMs: 0)
        for t in tasks { t.cancel() }
        return code
    }
}

/// `run`'s worker processes: started, watched, and restarted when one dies
/// before the sweep ends (at most `maxRestarts` in all, after a pause that
/// doubles per worker from 0.5 s to 8 s). Once none is running and no
/// restart is left, `abandonReason` says so and the coordinator stops.
final class LocalWorkers: Sendable {
    private struct State {
        var processes: [Process?]
        var delays: [Double]
        var restarts = 0
        var pendingRestarts = 0
        var stopping = false
        var abandoned: String?
    }

    private let arguments: [String]
    private let maxRestarts: Int
    private let logger: Logger
    private let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    private let state: Mutex<State>

    init(arguments: [String], count: Int, maxRestarts: Int, logger: Logger) {
        self.arguments = arguments
        self.maxRestarts = maxRestarts
        self.logger = logger
        state = Mutex(State(processes: Array(repeating: nil, count: count), delays: Array(repeating: 0.5, count: count)))
    }

    func startAll() throws {
        let count = state.withLock { $0.processes.count }
        for slot in 0..<count { try start(slot) }
    }

    private func start(_ slot: Int) throws {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments + ["--name", "local-\(slot + 1)"]
        // The trainer runs OpenBLAS on one thread (Trainer.trainShard). Left to
        // itself, OpenBLAS starts a thread per core at load that spins for about
        // 0.1 s, taking a core from the worker's first shard.
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "1"
        p.environment = environment
        p.terminationHandler = { [self] process in ended(slot, process) }
        try state.withLock { s in
            guard !s.stopping else { return }
            try p.run()
            s.processes[slot] = p
        }
    }

    private func ended(_ slot: Int, _ process: Process) {
        let how = process.terminationReason == .uncaughtSignal ? "was killed by signal \(process.terminationStatus)"
                                                               : "exited with status \(process.terminationStatus)"
        // Status 0: told the sweep is done (or left on purpose); not a death.
        let died = !(process.terminationReason == .exit && process.terminationStatus == 0)
        let delay: Double? = state.withLock { s in
            guard s.processes[slot] === process else { return nil }
            s.processes[slot] = nil
            guard !s.stopping, died else { return nil }
            guard s.restarts < maxRestarts else {
                if s.pendingRestarts == 0 && !s.processes.contains(where: { $0 != nil }) {
                    s.abandoned = "every local worker died and the \(maxRestarts) restarts are spent (see the workers' errors above)"
                }
                return nil
            }
            s.restarts += 1
            s.pendingRestarts += 1
            let d = s.delays[slot]
            s.delays[slot] = min(8, d * 2)
            return d
        }
        guard died else { return }
        guard let delay else {
            logger.error("local worker local-\(slot + 1) \(how); no restart left")
            return
        }
        logger.warning("local worker local-\(slot + 1) \(how); restarting it in \(delay) s")
        DispatchQueue.global().asyncAfter(deadline: .now() + delay) { [self] in
            state.withLock { $0.pendingRestarts -= 1 }
            do { try start(slot) } catch {
                logger.error("cannot restart local worker local-\(slot + 1): \(error)")
                state.withLock { s in
                    if s.pendingRestarts == 0 && !s.processes.contains(where: { $0 != nil }) {
                        s.abandoned = "no local worker left (restart failed: \(error))"
                    }
                }
            }
        }
    }

    /// Why the sweep cannot go on with local workers, or nil.
    func abandonReason() -> String? { state.withLock { $0.abandoned } }

    /// Every worker has exited and none is due to restart (after `done`:
    /// they all got it).
    func allExited() -> Bool {
        state.withLock { s in s.pendingRestarts == 0 && !s.processes.contains(where: { $0 != nil }) }
    }

    /// No more restarts (the sweep is over).
    func stop() { state.withLock { $0.stopping = true } }

    /// Workers exit on `done`; any still running after a moment get SIGTERM, then SIGKILL.
    func reap() async {
        let children = state.withLock { $0.processes.compactMap { $0 } }
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

/// The directory of `run`'s ipc socket: `oversweep-PID-RANDOM` in the
/// temporary directory, removed at exit; one left by a run that was killed
/// (its PID gone) is removed by the next run.
enum LocalSocketDirectory {
    static let prefix = "oversweep-"

    static func make() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func removeStale() {
        let tmp = FileManager.default.temporaryDirectory
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: tmp.path) else { return }
        for name in names where name.hasPrefix(prefix) {
            let parts = name.dropFirst(prefix.count).split(separator: "-")
            guard parts.count == 2, let pid = Int32(parts[0]), UInt32(parts[1]) != nil, pid != getpid() else { continue }
            // Only directories holding nothing but a socket, of a process that is gone.
            guard kill(pid, 0) != 0 && errno == ESRCH else { continue }
            let dir = tmp.appendingPathComponent(name)
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? ["?"]
            if contents.allSatisfy({ $0 == "coordinator.sock" }) { try? FileManager.default.removeItem(at: dir) }
        }
    }
}
