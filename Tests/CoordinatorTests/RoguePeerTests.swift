import Foundation
import Logging
import Synchronization
import Testing
import TrialContract
import Wire
import ZeroMQTransport

/// A scripted peer on a real socket: it speaks the protocol as it pleases and
/// keeps what the coordinator answers.
final class RoguePeer: Sendable {
    let transport: ZMQClientTransport
    let received = Mutex<[Envelope]>([])
    private let reader = Mutex<Task<Void, Never>?>(nil)

    init(_ endpoint: String, id: String, context: ZMQContext) throws {
        transport = try ZMQClientTransport(context: context, spec: SocketSpec(role: .dealer(connect: endpoint, routingID: id)),
                                           logger: Logger(label: "rogue"))
        let task = Task { [self] in
            for await frames in transport.incoming {
                if let e = try? Codec.decode(frames) { received.withLock { $0.append(e) } }
            }
        }
        reader.withLock { $0 = task }
    }

    func send(_ m: Message, sweep: String) throws {
        transport.send(try Codec.encode(Envelope(sweepID: sweep, incarnation: 0, message: m)))
    }

    func leases() -> [Lease] { received.withLock { $0.compactMap { if case .lease(let l) = $0.message { l } else { nil } } } }
    func rejects() -> [Reject] { received.withLock { $0.compactMap { if case .reject(let r) = $0.message { r } else { nil } } } }

    func close() {
        reader.withLock { $0?.cancel() }
        transport.close(lingerMs: 0)
    }
}

/// The sweep id a coordinator logs at start (`…, sweep ID`).
func sweepID(of coordinator: Child) async -> String {
    for _ in 0..<1500 {
        if let r = coordinator.log.range(of: ", sweep ") {
            return String(coordinator.log[r.upperBound...].prefix { !$0.isWhitespace })
        }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return ""
}

/// Peak resident memory of a running process, in MiB (0 once it is gone).
func peakRSSMiB(_ pid: Int32) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kb / 1024
}

/// Issue 13 through real sockets and the real binary: a peer with access
/// to the port tries to hoard leases, forge results, stall the loop with
/// large frames and flood the log; the sweep completes with every planned
/// trial recorded once, by the honest worker.
@Suite(.serialized) struct RoguePeerTests {
    @Test func aRogueCannotHoardForgeStallOrFloodTheSweep() async throws {
        let sweep = try LocalSweep(trials: 120)
        defer { sweep.cleanup() }
        let coordinator = try sweep.coordinator(leaseSize: 8, ["--min-lease-seconds", "2", "--lease-time-factor", "1",
                                                                "--max-message-size", "1048576"])
        let id = await sweepID(of: coordinator)
        try #require(!id.isEmpty, "coordinator: \(coordinator.log)")
        let ctx = try ZMQContext()
        let rogue = try RoguePeer(sweep.endpoint, id: "rogue", context: ctx)
        defer { rogue.close() }

        // 1. Hoarding: it declares one job and asks for 4096 leases.
        try rogue.send(.hello(Hello(name: "rogue", host: "evil", cores: 1, jobs: 1, build: "x", pid: 1)), sweep: "")
        try await Task.sleep(for: .milliseconds(200))
        try rogue.send(.ready(WorkerStatus(capacity: 4096, held: [], lastLease: 0)), sweep: id)
        #expect(await Scratch.waitUntil(within: 10) { rogue.leases().count >= 2 })
        try await Task.sleep(for: .milliseconds(300))
        let held = rogue.leases()
        #expect(held.count == 2, "jobs 1 + prefetch 1, not 4096")
        let heldIDs = Set(held.flatMap { $0.trials.map(\.id.rawValue) })

        // 2. Forgery: results it has no right to, and malformed ones for its own trials.
        let mine = held[0]
        func report(_ i: Int, _ edit: (inout TrialResultReport) -> Void = { _ in }) -> TrialResultReport {
            let t = mine.trials[i]
            var r = TrialResultReport(leaseID: mine.leaseID, trialID: t.id, sweep: t.sweep, attempt: 1, config: nil,
                                      result: TrainingResult(status: .ok, metrics: ["train_loss": 0.001], stepsRun: t.config.steps),
                                      startedAt: Date(), endedAt: Date())
            edit(&r)
            return r
        }
        let notMine = sweep.ids.first { !heldIDs.contains($0) }!
        let forged = [
            report(0) { $0.trialID = TrialID(rawValue: "deadbeef") },
            report(0) { $0.trialID = TrialID(rawValue: String(repeating: "7", count: 100_000)) },
            report(0) { $0.trialID = TrialID(rawValue: "a\"b\nc") },
            report(0) { $0.trialID = TrialID(rawValue: notMine) },
            report(0) { $0.config = mine.trials[1].config },
            report(1) { $0.sweep = "../../etc" },
            report(2) { $0.result.stepsRun = -1 },
            report(3) { $0.result.metrics = ["train\u{0}loss": 1] },
            report(4) { $0.result.curves = ["train_loss": Curve(steps: [0, 1, 2], values: [1])] },
        ]
        try rogue.send(.result(Results(reports: forged)), sweep: id)
        // A metric of 1e999 (infinite once read) cannot be written by an encoder: send the bytes.
        let infinite = String(decoding: try Codec.encode(Envelope(sweepID: id, incarnation: 0, message: .result(Results(reports: [report(5)]))))[1], as: UTF8.self)
            .replacingOccurrences(of: "0.001", with: "1e999")
        var frames = try Codec.encode(Envelope(sweepID: id, incarnation: 0, message: .result(Results(reports: [report(5)]))))
        frames[1] = Array(infinite.utf8)
        rogue.transport.send(frames)

        // A hello out of bounds is refused.
        let liar = try RoguePeer(sweep.endpoint, id: "liar", context: ctx)
        defer { liar.close() }
        try liar.send(.hello(Hello(name: "liar", host: "evil", cores: 1, jobs: 5000, build: "x", pid: 3)), sweep: "")
        #expect(await Scratch.waitUntil(within: 10) { !liar.rejects().isEmpty })

        // 3. Holding: from now on the rogue heartbeats its leases and never returns a result.
        let status = WorkerStatus(capacity: 4096, held: held.map(\.leaseID), lastLease: held.last?.leaseID ?? 0)
        let pid = coordinator.pid
        let peak = Mutex(0.0)
        let background = Task {
            while !Task.isCancelled {
                try? rogue.send(.heartbeat(status), sweep: id)
                let rss = peakRSSMiB(pid)
                peak.withLock { $0 = max($0, rss) }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        defer { background.cancel() }
        // The honest worker arrives (trials of 0.1 s: the sweep runs for seconds).
        let worker = try sweep.worker("honest", jobs: 2, simulate: 0.1)

        // 4. Stalling: another peer sends large legal frames as fast as it can (each under --max-message-size) …
        let staller = try RoguePeer(sweep.endpoint, id: "staller", context: ctx)
        try staller.send(.hello(Hello(name: "staller", host: "evil", cores: 1, jobs: 1, build: "x", pid: 2)), sweep: "")
        var big = report(6)
        big.result.message = String(repeating: "x", count: 1_000_000)
        let bigFrames = try Codec.encode(Envelope(sweepID: id, incarnation: 0, message: .result(Results(reports: [big]))))
        for _ in 0..<40 { staller.transport.send(bigFrames) }
        // A newcomer is heard all the same.
        let newcomer = try RoguePeer(sweep.endpoint, id: "newcomer", context: ctx)
        defer { newcomer.close() }
        try newcomer.send(.hello(Hello(name: "newcomer", host: "evil", cores: 1, jobs: 0, build: "x", pid: 4)), sweep: "")
        #expect(await Scratch.waitUntil(within: 20) { !newcomer.rejects().isEmpty }, "newcomer got \(newcomer.received.withLock { $0 })")
        #expect(coordinator.process.isRunning, "the flood came while the sweep ran")
        // 5. … and garbage comes from many peers.
        var flooders: [RoguePeer] = []
        for i in 0..<60 {
            let f = try RoguePeer(sweep.endpoint, id: "flood\(i)", context: ctx)
            for k in 0..<50 { f.transport.send([Array("garbage \(k)".utf8), [0, 1, 2]]) }
            flooders.append(f)
        }

        let revoked = await Scratch.waitUntil(within: 30) { coordinator.log.contains("past its deadline") }
        #expect(revoked, "heartbeats alone do not keep a lease")
        let exit = await coordinator.wait(90)
        background.cancel()
        staller.close()
        for f in flooders { f.close() }
        _ = await worker.wait(10)
        let log = coordinator.log
        #expect(exit == 0, "coordinator: \(log.suffix(3000))")

        let records = sweep.records
        #expect(records.count == sweep.ids.count, "no id outside the plan, none twice")
        #expect(Set(records.map(\.id)) == sweep.ids)
        #expect(records.allSatisfy { $0.worker == "honest" }, "nothing the rogue sent was recorded")
        // The honest worker's own trials were never charged for the rogue's stalling.
        #expect(records.filter { !heldIDs.contains($0.id) }.allSatisfy { $0.attempt == 1 })
        #expect(rogue.rejects().contains { !$0.rehello }, "the hoarder is refused further work")
        #expect(liar.rejects().contains { !$0.rehello && $0.reason.contains("5000 jobs") }, "liar got \(liar.received.withLock { $0 }); \(log.split(separator: "\n").filter { $0.contains("liar") })")
        #expect(log.contains("past its deadline"))
        #expect(log.contains("refused from worker rogue@evil"))
        // Memory stayed bounded: 40 MB of frames never piled up (the issue's flood took 2.8 GB).
        let peakMiB = peak.withLock { $0 }
        #expect(peakMiB > 0 && peakMiB < 400, "peak RSS \(peakMiB) MiB")
        #expect(log.contains("from peer staller: its earlier messages"), "the flood went over the staller's budget and was dropped")
        // 3,000 garbage messages and dozens of refusals cost a few lines of log, with a count of the rest.
        let bad = log.split(separator: "\n").filter { $0.contains("dropped message") || $0.contains("refused from") }
        #expect(bad.count <= 60, "\(bad.count) lines")
        #expect(log.contains("messages dropped"), "the final line counts them")
    }

    @Test func aPausedCoordinatorChargesNoAttemptForItsPause() async throws {
        let sweep = try LocalSweep(trials: 200)
        defer { sweep.cleanup() }
        let coordinator = try sweep.coordinator(leaseSize: 4)
        let workers = try (1...2).map { try sweep.worker("w\($0)", simulate: 0.01, ["--max-backoff", "0.5"]) }
        #expect(await Scratch.waitForLines(sweep.out, 40, within: 30))
        // Stopped for 3 s: five times the 0.6 s in which a silent worker is presumed lost.
        coordinator.signal(SIGSTOP)
        try await Task.sleep(for: .seconds(3))
        coordinator.signal(SIGCONT)
        #expect(await coordinator.wait(60) == 0, "coordinator: \(coordinator.log)")
        for w in workers { _ = await w.wait(10) }
        let records = sweep.records
        #expect(Set(records.map(\.id)) == sweep.ids && records.count == sweep.ids.count)
        // Nothing charged (a lease lost with a reconnect is re-leased uncharged; its `attempt` counts leases).
        #expect(coordinator.log.contains(" 0 failed attempts, 0 quarantined"), "\(coordinator.log.suffix(1500))")
        #expect(coordinator.log.contains("the coordinator was paused"))
        #expect(!coordinator.log.contains("presumed lost"))
    }

    @Test func deletingTheResultFileStopsTheCoordinatorNamingIt() async throws {
        let sweep = try LocalSweep(trials: 400)
        defer { sweep.cleanup() }
        let coordinator = try sweep.coordinator(leaseSize: 4)
        let worker = try sweep.worker("w", simulate: 0.02)
        #expect(await Scratch.waitForLines(sweep.out, 20, within: 30))
        try FileManager.default.removeItem(atPath: sweep.out)
        let status = await coordinator.wait(30)
        worker.signal(SIGTERM)
        _ = await worker.wait(10)
        #expect(status == 1, "coordinator: \(coordinator.log)")
        #expect(coordinator.log.contains("\(sweep.out): writing results failed"), "\(coordinator.log.suffix(2000))")
        #expect(coordinator.log.contains("the result file was deleted or moved away"))
        #expect(!coordinator.log.contains("sweep complete"))
    }
}
