import ArgumentParser
import Foundation
import Logging
import Training
import Wire
import ZeroMQTransport
import Worker

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run trials for a coordinator: connect, ask for shards, stream results back.",
        discussion: "Reconnects by itself when the coordinator goes away, and exits with status 75 after --give-up-after seconds without one. SIGTERM/SIGINT: hand back unfinished shards and exit."
    )

    @Option(help: "Coordinator endpoint, e.g. tcp://HOST:5555.")
    var connect: String

    @Option(help: "Shards trained at once (default: one per core).")
    var jobs: Int?

    @Option(help: "BLAS threads per job.")
    var threadsPerJob = 1

    @Option(help: "Name in the coordinator's logs and the result records (default: HOST-PID).")
    var name: String?

    @Flag(help: "Keep serving after the sweep is done (wait for the next coordinator).")
    var stay = false

    @Option(help: "Longest wait between reconnection attempts, in seconds.")
    var maxBackoff: Double = 16

    @Option(help: "Exit (status 75) when no coordinator has answered for this many seconds; 0: never. Ignored with --stay.")
    var giveUpAfter: Double = 900

    @Option(help: "File with this worker's CURVE secret key.")
    var curveSecret: String?

    @Option(help: "File with the coordinator's CURVE public key.")
    var curveServerKey: String?

    @Option(help: ArgumentHelp("Simulate training: each trial takes this many seconds and reports made-up metrics (tests, benchmarks).", visibility: .hidden))
    var simulate: Double?

    @Flag(help: ArgumentHelp("With --simulate: burn CPU instead of sleeping.", visibility: .hidden))
    var simulateSpin = false

    @OptionGroup var log: LogOptions

    func validate() throws {
        try Endpoints.validate(connect, flag: "--connect")
        if let jobs, jobs < 1 || jobs > 1024 { throw ValidationError("--jobs must be 1…1024") }
        guard threadsPerJob >= 1 && threadsPerJob <= 1024 else { throw ValidationError("--threads-per-job must be 1…1024") }
        guard giveUpAfter >= 0 && giveUpAfter.isFinite else { throw ValidationError("--give-up-after must be 0 (never) or a number of seconds") }
        guard maxBackoff >= 0.1 else { throw ValidationError("--max-backoff must be at least 0.1 s") }
        guard (curveSecret == nil) == (curveServerKey == nil) else {
            throw ValidationError("--curve-secret and --curve-server-key go together")
        }
        if let name, name.isEmpty || name.utf8.count > 200 { throw ValidationError("--name must be 1…200 bytes") }
        if let simulate, simulate < 0 { throw ValidationError("--simulate must not be negative") }
    }

    func run() async throws {
        let signals = Signals.stream()
        let logger = log.bootstrap("worker")
        let host = ProcessInfo.processInfo.hostName
        let name = self.name ?? "\(host)-\(getpid())"
        var options = WorkerOptions(name: name, host: host)
        options.jobs = jobs ?? ProcessInfo.processInfo.activeProcessorCount
        options.threadsPerJob = threadsPerJob
        options.stay = stay
        options.maxBackoff = maxBackoff
        options.giveUpAfter = giveUpAfter > 0 ? giveUpAfter : nil
        options.build = ToolVersion.description
        options.blas = BLASKernels.name
        let curve = try CurveFlags.client(secret: curveSecret, serverKey: curveServerKey)
        if let curveSecret, let warning = CurveKeyFile.loosePermissions(curveSecret) { logger.warning("\(warning)") }
        if curve == nil && Endpoints.isPublicTCP(connect) {
            logger.warning("connecting to \(connect) without encryption; use --curve-secret/--curve-server-key on untrusted networks")
        }
        let runner: any ShardRunner = simulate.map { SimulatedRunner(secondsPerTrial: $0, spin: simulateSpin) } ?? TrainingCoreRunner()
        // Unique per process: generated ROUTER ids repeat across processes (docs/protocol.md).
        let routingID = "\(name)/\(getpid())/\(UInt32.random(in: 0...UInt32.max))"
        let transport: ZMQClientTransport
        do {
            transport = try ZMQClientTransport(context: try ZMQContext(),
                                               spec: SocketSpec(role: .dealer(connect: connect, routingID: routingID), curve: curve),
                                               logger: logger)
        } catch {
            throw CLIError("cannot connect to \(connect): \(error)")
        }
        logger.info("worker \(name): \(options.jobs) jobs × \(threadsPerJob) BLAS threads, coordinator \(connect)")
        let agent = WorkerAgent(options: options, runner: runner, logger: logger)
        let outcome = await agent.run(transport: transport, clock: SystemClock(), signals: signals)
        transport.close(lingerMs: 200)
        switch outcome {
        case .done, .interrupted:
            return
        case .refused(let why):
            throw CLIError("coordinator refused this worker: \(why)")
        case .gaveUp:
            // EX_TEMPFAIL: not this worker's fault; start it again with the next coordinator.
            throw ExitCode(75)
        }
    }
}
