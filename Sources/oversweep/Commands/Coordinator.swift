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

    @Flag(help: "With --resume: keep trials recorded as failed (or quarantined) as they are, instead of running them again.")
    var keepFailed = false

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

    @Option(help: "A lease's hard deadline: this many seconds plus --lease-time-factor × the plan's estimate of its trials.")
    var minLeaseSeconds: Double = 60

    @Option(help: "Multiple of the plan's time estimate a lease may take beyond --min-lease-seconds.")
    var leaseTimeFactor: Double = 10

    @Option(help: "Seconds to wait for in-flight results after SIGINT/SIGTERM.")
    var grace: Double = 10

    @Option(help: "Largest message accepted from a worker, in bytes (larger ones disconnect it).")
    var maxMessageSize: Int = 8 << 20

    func validate() throws {
        guard heartbeatInterval > 0 && heartbeatInterval <= 3600 else { throw ValidationError("--heartbeat-interval must be in (0, 3600] seconds") }
        guard liveness >= 1 && liveness <= 1000 else { throw ValidationError("--liveness must be 1…1000") }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1") }
        guard workerFailureLimit >= 1 else { throw ValidationError("--worker-failure-limit must be at least 1") }
        guard leaseSize >= 1 && leaseSize <= 100_000 else { throw ValidationError("--lease-size must be 1…100000") }
        guard grace >= 0 else { throw ValidationError("--grace must not be negative") }
        guard maxMessageSize >= 4096 && maxMessageSize <= 1 << 30 else { throw ValidationError("--max-message-size must be 4096…1073741824") }
        guard minLeaseSeconds > 0 && minLeaseSeconds.isFinite else { throw ValidationError("--min-lease-seconds must be positive") }
        guard leaseTimeFactor >= 1 && leaseTimeFactor.isFinite else { throw ValidationError("--lease-time-factor must be at least 1") }
    }

    /// A sweep's trials and the header of its result file.
    struct SweepInput {
        var source: any TrialSource
        var header: StoreHeader
        /// Throughput the plan's cost estimates assume.
        var gflops: Double
        /// The plan of a YAML spec (nil for a trial list or `synthetic:N`).
        var plan: SweepPlan?
    }

    /// Reads SPEC: a YAML sweep spec, a `.jsonl` trial list, or (benchmarks) `synthetic:N`.
    func readSweep(_ spec: String) throws -> SweepInput {
        let source: any TrialSource
        let header: StoreHeader
        var gflops = ShardingOptions.defaultGflops
        var plan: SweepPlan?
        if spec.hasPrefix("synthetic:") {
            // Benchmarks only (make bench-dispatch): N trials generated lazily, never held in memory.
            guard let n = Int(spec.dropFirst("synthetic:".count)), n > 0 else { throw CLIError("\(spec): expected synthetic:N") }
            source = GeneratedTrialSource(count: n, shardSize: 256) { i in
                var c = TrialConfig()
                c.seed = UInt64(i)
                return Trial(config: c, sweep: "")
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
            gflops = planned.options.gflops ?? gflops
            header = SpecRevisions.header(planned)
        }
        return SweepInput(source: source, header: header, gflops: gflops, plan: plan)
    }

    /// Opens (or creates) the result file for a sweep and builds the core.
    func makeCore(_ input: SweepInput, out: String, logger: Logger) throws -> CoordinatorCore {
        let header = input.header
        var source = input.source
        var halving: HalvingTrialSource?
        if let plan = input.plan, plan.spec.halving != nil {
            // Rungs are decided from the store's records: those of an earlier run first.
            let recorded: [TrialRecord]
            do { recorded = resume ? try HalvingTrialSource.records(in: out) : [] } catch { throw CLIError("\(error)") }
            halving = HalvingTrialSource(plan: plan, recorded: recorded)
            source = halving!
        }
        let store: StoreResultSink
        do {
            store = try StoreResultSink(path: out, header: header, resume: resume, allowSpecMismatch: force, keepFailed: keepFailed,
                                        reviseSpec: SpecRevisions.decider(plan: input.plan, header: header, force: force, out: out))
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
        options.minLeaseSeconds = minLeaseSeconds
        options.leaseTimeFactor = leaseTimeFactor
        options.assumedGflops = input.gflops
        options.maxMessageSize = maxMessageSize
        // Only trials of this plan count: the file may also hold trials of an earlier spec revision.
        let recordedInPlan = input.plan.map { p in SpecRevisions.recorded(in: p, store.recordedIDs) }
        let core = CoordinatorCore(options: options, source: source, sink: sink, logger: logger, alreadyRecorded: recordedInPlan)
        if resume && core.stats.recorded > 0 {
            logger.info("resuming: \(core.stats.recorded) of \(core.stats.total) trials already recorded in \(out)")
        }
        if store.rerunCount > 0 {
            logger.info("running \(store.rerunCount) trials again that earlier runs recorded as failed (--keep-failed keeps them)")
        }
        return core
    }

    /// The coordinator's ROUTER socket on `endpoints`.
    func bind(_ endpoints: [String], curve: CurveSetup?, logger: Logger) throws -> ZMQServerTransport {
        do {
            var socket = SocketSpec(role: .router(bind: endpoints), maxMessageSize: Int64(maxMessageSize), curve: curve)
            socket.heartbeatIntervalMs = Int32(min(heartbeatInterval * 500, 5000))
            socket.heartbeatTimeoutMs = Int32(min(heartbeatInterval * 1500, 15000))
            socket.peerBudgetBytes = 2 * maxMessageSize
            return try ZMQServerTransport(context: try ZMQContext(), spec: socket, logger: logger)
        } catch {
            throw CLIError("cannot bind \(endpoints.joined(separator: ", ")): \(error)")
        }
    }

    static func header(name: String, spec: String, hash: String) -> StoreHeader {
        StoreHeader(sweepName: name, spec: spec, specHash: hash, toolVersion: ToolVersion.string,
                    gitRevision: ToolVersion.gitRevision)
    }

    /// Runs a coordinator until the sweep completes or a signal stops it; returns the exit code.
    func serve(core: CoordinatorCore, transport: any ServerTransport, signals: AsyncStream<Int32>, logger: Logger, log: LogOptions,
               out: String, abandon: (@Sendable () -> String?)? = nil,
               doneDelivered: (@Sendable () -> Bool)? = nil) async -> Int32 {
        let quiet = log.quiet
        var server = CoordinatorServer(logger: logger)
        server.grace = grace
        server.abandon = abandon
        server.doneDelivered = doneDelivered
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
            var summary = "\(s.recorded)/\(s.total) recorded (\(s.recordedThisRun) this run), \(s.failedAttempts) failed attempts, \(s.quarantined) quarantined, \(s.duplicates) duplicate results ignored"
            if s.droppedMessages + s.refusedResults > 0 {
                summary += ", \(s.droppedMessages) messages dropped and \(s.refusedResults) results refused (bad input)"
            }
            guard s.failedTrials > 0 else {
                logger.info("sweep complete: \(summary)")
                return 0
            }
            let kept = s.keptFailures > 0 ? " (\(s.keptFailures) kept from earlier runs)" : ""
            logger.error("sweep complete with failures: \(summary); \(s.failedTrials) of \(s.total) trials failed\(kept) — their messages: oversweep status \(out) (and the records' \"message\"); rerun with --resume to run them again")
            return ExitCodes.trialsFailed
        case .interrupted(let signal):
            logger.warning("stopped by signal \(signal): \(s.recorded)/\(s.total) recorded; rerun with --resume to finish")
            return 128 + signal
        case .failed(let why):
            logger.error("coordinator failed: \(why); \(s.recorded)/\(s.total) recorded in \(out) (durable; --resume continues)")
            return 1
        }
    }
}

struct Coordinator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Serve a sweep to workers over ZeroMQ and record their results.",
        discussion: "Exits 0 once every trial is recorded and none failed; 3 when the sweep completed but some trials failed or were quarantined (see `status`; --resume runs them again); 1 on an error; 128+N after signal N. SIGINT/SIGTERM: stop leasing, wait --grace for in-flight results, exit; a second signal exits at once (recorded results are kept)."
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
        if let curveSecret, let warning = CurveKeyFile.loosePermissions(curveSecret) { logger.warning("\(warning)") }
        if curve == nil && Endpoints.isPublicTCP(bind) {
            logger.warning("binding \(bind) without encryption: anyone who can reach it can take work and send results; use --curve-secret/--curve-allow on untrusted networks")
        }
        let input = try flags.readSweep(spec)
        // Bound before the result file is opened: a failed bind leaves no file behind.
        let transport = try flags.bind([bind], curve: curve, logger: logger)
        let core: CoordinatorCore
        do { core = try flags.makeCore(input, out: flags.out ?? "", logger: logger) } catch {
            transport.close(lingerMs: 0)
            throw error
        }
        logger.info("coordinator on \(bind)\(curve == nil ? "" : " (CURVE)"): \(core.stats.total) trials, sweep \(core.options.sweepID)")
        let code = await flags.serve(core: core, transport: transport, signals: signals, logger: logger, log: log, out: flags.out ?? "")
        if code != 0 { throw ExitCode(code) }
    }
}

/// Exit statuses of `run` and `coordinator` beyond 0, 1 and 128+signal.
enum ExitCodes {
    /// The sweep completed, but some trials ended failed or quarantined.
    static let trialsFailed: Int32 = 3
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
