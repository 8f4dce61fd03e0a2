import ArgumentParser
import Coordinator
import Foundation
import Logging
import Store
import Sweep
import Training
import TrialContract
import Wire
import ZeroMQTransport

/// Flags of the coordinator, shared by `coordinator` and `run`.
struct CoordinatorFlags: ParsableArguments {
    @Option(help: "Result file (JSON lines). Must not exist unless --resume.")
    var out: String?

    @Flag(help: "Continue the sweep in --out: skip trials already recorded.")
    var resume = false

    @Flag(help: "With --resume: continue --out with a spec that drops or changes trials of the file's latest spec (recorded as a forced revision). A spec that only adds trials needs no --force.")
    var force = false

    @Option(help: "Seconds between heartbeats on an idle link.")
    var heartbeatInterval: Double = 1

    @Option(help: "Missed heartbeat intervals before a worker is presumed lost and its trials re-leased.")
    var liveness: Int = 5

    @Option(help: "Attempts (failed results or lost workers) before a trial is quarantined.")
    var maxAttempts: Int = 3

    @Option(help: "Consecutive failed trials (while others succeed) before a worker is quarantined.")
    var workerFailureLimit: Int = 5

    @Option(help: "Most trials in one lease.")
    var leaseSize: Int = 16

    @Option(help: "Seconds to wait for in-flight results after SIGINT/SIGTERM.")
    var grace: Double = 10

    @Option(help: "Largest message accepted from a worker, in bytes (larger ones disconnect it).")
    var maxMessageSize: Int = 64 << 20

    func validate() throws {
        guard heartbeatInterval > 0 && heartbeatInterval <= 3600 else { throw ValidationError("--heartbeat-interval must be in (0, 3600] seconds") }
        guard liveness >= 1 && liveness <= 1000 else { throw ValidationError("--liveness must be 1…1000") }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1") }
        guard workerFailureLimit >= 1 else { throw ValidationError("--worker-failure-limit must be at least 1") }
        guard leaseSize >= 1 && leaseSize <= 100_000 else { throw ValidationError("--lease-size must be 1…100000") }
        guard grace >= 0 else { throw ValidationError("--grace must not be negative") }
        guard maxMessageSize >= 4096 else { throw ValidationError("--max-message-size must be at least 4096") }
    }

    /// Opens the trial source and result sink for SPEC and builds the core.
    /// SPEC is a YAML sweep spec, a `.jsonl` trial list, or (benchmarks) `synthetic:N`.
    func makeCore(spec: String, out: String, logger: Logger) throws -> CoordinatorCore {
        var source: any TrialSource
        let header: StoreHeader
        var plan: SweepPlan?
        var halving: HalvingTrialSource?
        if spec.hasPrefix("synthetic:") {
            // Benchmarks only (make bench-dispatch): N trials generated lazily, never held in memory.
            guard let n = Int(spec.dropFirst("synthetic:".count)), n > 0 else { throw CLIError("\(spec): expected synthetic:N") }
            source = GeneratedTrialSource(count: n, shardSize: 256) { i in
                var c = TrialConfig()
                c.seed = UInt64(i)
                return Trial(id: TrialID(rawValue: String(format: "synthetic%09d", i)), config: c)
            }
            header = Self.header(name: "synthetic-\(n)", spec: spec, hash: "synthetic-\(n)")
        } else if spec.hasSuffix(".jsonl") || spec.hasSuffix(".json") {
            let trials: [Trial]
            do { trials = try TrialListFile.read(spec) } catch { throw CLIError("\(error)") }
            source = MemoryTrialSource(trials, shardSize: 64)
            header = Self.header(name: URL(fileURLWithPath: spec).deletingPathExtension().lastPathComponent,
                                 spec: "trial list \(spec)", hash: TrialListFile.hash(trials))
        } else {
            // Planned (data files read and checked) before the result file is touched.
            let planned: SweepPlan
            do { planned = try SweepPlan(spec: SweepSpec.load(path: spec)) } catch { throw CLIError("\(error)") }
            plan = planned
            source = PlanTrialSource(plan: planned)
            header = SpecRevisions.header(planned)
            if planned.spec.halving != nil {
                // Rungs are decided from the store's records: those of an earlier run first.
                halving = HalvingTrialSource(plan: planned, recorded: resume ? try HalvingTrialSource.records(in: out) : [])
                source = halving!
            }
        }
        let store: StoreResultSink
        do {
            store = try StoreResultSink(path: out, header: header, resume: resume, allowSpecMismatch: force,
                                        reviseSpec: SpecRevisions.decider(plan: plan, header: header, force: force, out: out))
        } catch { throw CLIError("\(error)") }
        for warning in store.recoveryWarnings { logger.warning("\(warning)") }
        if let r = store.store.appendedRevision {
            logger.info("\(out): recorded this spec as revision \(store.store.revisions.count) at line \(r.line) (hash \(r.specHash.prefix(12))\(r.forced ? ", forced" : ""))")
        }
        let sink = halving?.recording(into: store) ?? store
        var options = CoordinatorOptions(sweepID: String(header.specHash.prefix(16)))
        options.heartbeatInterval = heartbeatInterval
        options.liveness = liveness
        options.maxAttempts = maxAttempts
        options.workerFailureLimit = workerFailureLimit
        options.leaseSize = leaseSize
        // Only trials of this plan count: the file may also hold trials of an earlier spec revision.
        let recordedInPlan = plan.map { p in SpecRevisions.recorded(in: p, store.store.finishedIDs) }
        let core = CoordinatorCore(options: options, source: source, sink: sink, logger: logger, alreadyRecorded: recordedInPlan)
        if resume && core.stats.recorded > 0 {
            logger.info("resuming: \(core.stats.recorded) of \(core.stats.total) trials already recorded in \(out)")
        }
        return core
    }

    static func header(name: String, spec: String, hash: String) -> StoreHeader {
        StoreHeader(sweepName: name, spec: spec, specHash: hash, toolVersion: ToolVersion.string,
                    gitRevision: ToolVersion.gitRevision)
    }

    /// Runs a coordinator until the sweep completes or a signal stops it; returns the exit code.
    func serve(core: CoordinatorCore, transport: any ServerTransport, signals: AsyncStream<Int32>, logger: Logger, log: LogOptions) async -> Int32 {
        let quiet = log.quiet
        var server = CoordinatorServer(logger: logger)
        server.grace = grace
        // With JSON logs, progress is a log record too, so every stderr line parses.
        var emit: (@Sendable (String) -> Void)?
        if log.logFormat == .json {
            emit = { (line: String) in logger.info("\(line)") }
        }
        let progress = ProgressLine(live: ProgressLine.stderrIsTTY, emit: emit)
        if !quiet { server.onProgress = { progress.update($0) } }
        let outcome = await server.run(core: core, transport: transport, clock: SystemClock(), signals: signals)
        if !quiet { progress.finish() }
        transport.close(lingerMs: 200)
        let s = core.stats
        switch outcome {
        case .complete:
            logger.info("sweep complete: \(s.recorded)/\(s.total) recorded (\(s.recordedThisRun) this run), \(s.quarantined) quarantined, \(s.duplicates) duplicate results ignored")
            return 0
        case .interrupted(let signal):
            logger.warning("stopped by signal \(signal): \(s.recorded)/\(s.total) recorded; rerun with --resume to finish")
            return 128 + signal
        case .failed(let why):
            logger.error("coordinator failed: \(why)")
            return 1
        }
    }
}

struct Coordinator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Serve a sweep to workers over ZeroMQ and record their results.",
        discussion: "Exits 0 once every trial is recorded. SIGINT/SIGTERM: stop leasing, wait --grace for in-flight results, exit; a second signal exits at once (recorded results are kept)."
    )

    @Argument(help: "The sweep: a YAML spec (see docs/spec-format.md) or a trial list (.jsonl, one trial per line).")
    var spec: String

    @Option(help: "Endpoint to bind (tcp://HOST:PORT or ipc://PATH). Loopback unless you say otherwise.")
    var bind = "tcp://127.0.0.1:5555"

    @OptionGroup var flags: CoordinatorFlags

    @Option(help: "File with this coordinator's CURVE secret key (from `oversweep keygen`).")
    var curveSecret: String?

    @Option(help: "File with the public keys of the workers allowed in, one per line.")
    var curveAllow: String?

    @OptionGroup var log: LogOptions

    func validate() throws {
        try Endpoints.validate(bind, flag: "--bind")
        guard flags.out != nil else { throw ValidationError("--out FILE is required") }
        guard (curveSecret == nil) == (curveAllow == nil) else {
            throw ValidationError("--curve-secret and --curve-allow go together")
        }
    }

    func run() async throws {
        // Before anything else, so an early signal still gets the orderly shutdown.
        let signals = Signals.stream()
        let logger = log.bootstrap("coordinator")
        let curve = try CurveFlags.server(secret: curveSecret, allow: curveAllow)
        if curve == nil && Endpoints.isPublicTCP(bind) {
            logger.warning("binding \(bind) without encryption: anyone who can reach it can take work and send results; use --curve-secret/--curve-allow on untrusted networks")
        }
        let core = try flags.makeCore(spec: spec, out: flags.out ?? "", logger: logger)
        let transport: ZMQServerTransport
        do {
            var socket = SocketSpec(role: .router(bind: [bind]), maxMessageSize: Int64(flags.maxMessageSize), curve: curve)
            socket.heartbeatIntervalMs = Int32(min(flags.heartbeatInterval * 500, 5000))
            socket.heartbeatTimeoutMs = Int32(min(flags.heartbeatInterval * 1500, 15000))
            transport = try ZMQServerTransport(context: try ZMQContext(), spec: socket, logger: logger)
        } catch {
            throw CLIError("cannot bind \(bind): \(error)")
        }
        logger.info("coordinator on \(bind)\(curve == nil ? "" : " (CURVE)"): \(core.stats.total) trials, sweep \(core.options.sweepID)")
        let code = await flags.serve(core: core, transport: transport, signals: signals, logger: logger, log: log)
        if code != 0 { throw ExitCode(code) }
    }
}

/// Reading CURVE key files named by flags.
enum CurveFlags {
    static func server(secret: String?, allow: String?) throws -> CurveSetup? {
        guard let secret, let allow else { return nil }
        do {
            let key = try CurveKeyFile.readOne(secret)
            _ = try CurveKeyPair.publicKey(forSecret: key)
            let allowed = try CurveKeyFile.read(allow)
            if allowed.isEmpty { throw CLIError("\(allow) lists no worker keys: nobody could connect") }
            return .server(secretKey: key, allowedClients: Set(allowed))
        } catch let e as WireError { throw CLIError("\(e)") }
    }

    static func client(secret: String?, serverKey: String?) throws -> CurveSetup? {
        guard let secret, let serverKey else { return nil }
        do {
            let key = try CurveKeyFile.readOne(secret)
            let pub = try CurveKeyPair.publicKey(forSecret: key)
            return .client(keys: CurveKeyPair(publicKey: pub, secretKey: key), serverKey: try CurveKeyFile.readOne(serverKey))
        } catch let e as WireError { throw CLIError("\(e)") }
    }
}
