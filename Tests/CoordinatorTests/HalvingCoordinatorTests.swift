import Foundation
import Logging
import Store
import Sweep
import TestSupport
import Testing
import TrialContract
import Wire
@testable import Coordinator

/// A halving sweep served by the coordinator: a rung's survivors are leased
/// only once the rung is recorded, idle workers get them as soon as it is,
/// and a coordinator restarted from the store promotes the same trials.
@Suite struct HalvingCoordinatorTests {
    static let spec = """
        name: halving
        halving: {rungs: [5, 15, 45], eta: 3, metric: train_loss}
        base: {data: sphere_teacher, dim: 4, n_train: 8, width: 8, depth: 1, activation: relu, loss: logistic, lr: 0.1, steps: 45}
        grid:
          lr: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
          seeds: 2
        """

    /// The loss a fake worker reports: best near lr = 0.55, slightly better with more steps.
    static func loss(_ c: TrialConfig) -> Double { abs(c.lr - 0.55) + 1 / Double(c.steps) + Double(c.seed) * 1e-3 }

    struct Driver {
        var core: CoordinatorCore
        let source: HalvingTrialSource
        let sink: MemoryResultSink
        var now = 0.0

        init(existing: [TrialRecord] = []) throws {
            let plan = try SweepPlan(spec: SweepSpec.parse(yaml: HalvingCoordinatorTests.spec, path: "h.yaml"))
            source = HalvingTrialSource(plan: plan, recorded: existing)
            sink = MemoryResultSink(existing: existing)
            var o = CoordinatorOptions(sweepID: "h", incarnation: 5)
            o.leaseSize = 100
            core = CoordinatorCore(options: o, source: source, sink: source.recording(into: sink), logger: Logger(label: "test"))
        }

        mutating func send(_ peer: String, _ m: Message) -> [Lease] {
            let frames = try! Codec.encode(Envelope(sweepID: "h", incarnation: 0, message: m))
            return core.receive(Delivery(peer: PeerID(peer), frames: frames), now: now).compactMap {
                if case .lease(let l) = $0.message { l } else { nil }
            }
        }

        mutating func join(_ peer: String) -> [Lease] {
            _ = send(peer, .hello(Hello(name: peer, host: "h", cores: 1, jobs: 1, build: "t", pid: 1)))
            return send(peer, .ready(WorkerStatus(capacity: 1, held: [], lastLease: 0)))
        }

        /// Reports trial `i` of the lease; returns the leases that result set off.
        mutating func report(_ peer: String, _ lease: Lease, _ i: Int) -> [Lease] {
            let t = lease.trials[i]
            let result = TrainingResult(status: .ok, metrics: ["train_loss": HalvingCoordinatorTests.loss(t.config)], stepsRun: t.config.steps, stop: .steps)
            return send(peer, .result(Results(reports: [TrialResultReport(leaseID: lease.leaseID, trialID: t.id, attempt: t.attempt,
                                                                          config: t.config, result: result, startedAt: Date(), endedAt: Date())])))
        }
    }

    @Test func aRungIsLeasedOnlyOnceThePreviousOneIsRecordedAndIdleWorkersGetIt() throws {
        var d = try Driver()
        #expect(d.core.stats.total == 2 * (9 + 3 + 1))
        let first = d.join("a")
        #expect(first.count == 1 && first[0].trials.count == 18 && first[0].trials.allSatisfy { $0.config.steps == 5 })
        #expect(d.join("b").isEmpty, "nothing to lease while rung 0 runs")
        for i in 0..<17 { #expect(d.report("a", first[0], i).isEmpty) }
        // The rung's last result sets off the next rung, for a worker with free capacity.
        let second = d.report("a", first[0], 17)
        #expect(second.count == 1)
        let rung1 = try #require(second.first).trials
        #expect(rung1.count == 6 && rung1.allSatisfy { $0.config.steps == 15 })
        // The three configurations of least mean loss over their seeds, ties to the smallest trial id (the documented rule).
        let byLR = Dictionary(grouping: first[0].trials, by: \.config.lr)
        let key = byLR.mapValues { ts in (ts.map { Self.loss($0.config) }.reduce(0, +) / 2, ts.map(\.id).min()!) }
        let ranked = key.keys.sorted { key[$0]! < key[$1]! }
        #expect(Set(rung1.map(\.config.lr)) == Set(ranked.prefix(3)))
        // Their records will say where they came from.
        let tag = try #require(d.source.tag(for: rung1[0].id))
        #expect(tag.rung == 1 && tag.budget == 15 && tag.promotedFrom != nil)
    }

    /// Plays the whole sweep with one worker; returns the records in order.
    static func play(_ d: inout Driver, stopAfter limit: Int = .max) -> [TrialRecord] {
        var leases = d.join("a")
        var reported = 0
        while let lease = leases.first, reported < limit {
            leases.removeFirst()
            for i in lease.trials.indices where reported < limit {
                leases += d.report("a", lease, i)
                reported += 1
            }
            if reported < limit { leases += d.send("a", .ready(WorkerStatus(capacity: 1, held: [], lastLease: lease.leaseID))) }
        }
        return d.sink.records
    }

    @Test func aRestartedCoordinatorPromotesTheSameTrials() throws {
        var whole = try Driver()
        let all = Self.play(&whole)
        #expect(all.count == 26 && Set(all.map(\.id)).count == 26)
        #expect(all.allSatisfy { $0.halving != nil })
        _ = try whole.core.flush()
        #expect(whole.core.isComplete)
        for cut in [10, 18, 21, 25] {
            // A coordinator that stopped after `cut` records, restarted from them.
            var before = try Driver()
            let kept = Self.play(&before, stopAfter: cut)
            var after = try Driver(existing: kept)
            let rest = Self.play(&after)
            #expect(rest.map(\.id) == all.map(\.id), "cut at \(cut)")
            #expect(rest.map(\.halving) == all.map(\.halving), "cut at \(cut)")
        }
        // Replayed from a complete store: nothing left to serve.
        let replay = HalvingTrialSource(plan: whole.source.plan, recorded: all)
        #expect(try replay.nextShard() == nil)
        #expect(replay.recordedTrials == 26 && replay.progress.allSatisfy(\.finished))
    }
}

/// The same through real processes: a coordinator killed with SIGKILL in the
/// middle of a rung and resumed records the same trials, with the same
/// promotions, as a run that was never interrupted.
@Suite(.serialized) struct HalvingProcessTests {
    static let spec = """
        name: halving-processes
        halving: {rungs: [3, 9, 27], eta: 3, metric: train_loss}
        base: {data: sphere_teacher, dim: 4, n_train: 8, width: 8, depth: 1, activation: relu, loss: logistic, lr: 0.1, steps: 27}
        grid:
          lr: {linspace: [0.01, 1, 27]}
          seeds: 2
        """

    static func tagged(_ path: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n") {
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], o["kind"] as? String == "trial",
                  let id = o["id"] as? String, let h = o["halving"] as? [String: Any] else { continue }
            out[id] = "rung \(h["rung"] ?? "?") from \(h["promoted_from"] ?? "-")"
        }
        return out
    }

    @Test func aKilledAndResumedCoordinatorPromotesTheSameTrials() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let spec = scratch.path("halving.yaml")
        try Self.spec.write(toFile: spec, atomically: true, encoding: .utf8)
        let reference = scratch.path("reference.jsonl")
        let run = try OversweepBinary.run(["run", spec, "--workers", "2", "--out", reference, "--simulate", "0", "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let expected = Self.tagged(reference)
        #expect(expected.count == 2 * (27 + 9 + 3))

        let out = scratch.path("results.jsonl")
        let endpoint = loopbackEndpoint()
        let coordinator = ["coordinator", spec, "--bind", endpoint, "--out", out, "--lease-size", "2"] + fastLiveness
        let first = try Child(coordinator, log: scratch.path("c1.log"))
        let workers = try (1...2).map {
            try Child(["worker", "--connect", endpoint, "--name", "w\($0)", "--simulate", "0.03", "--max-backoff", "1"],
                      log: scratch.path("w\($0).log"))
        }
        // Killed in rung 1: rung 0's 54 trials and a few of rung 1's are recorded.
        #expect(await Scratch.waitForLines(out, 1 + 54 + 4, within: 60))
        first.signal(SIGKILL)
        _ = await first.wait(5)
        let before = Self.tagged(out)
        #expect(before.count >= 58 && before.count < expected.count, "\(before.count) recorded before the kill")
        let second = try Child(coordinator + ["--resume"], log: scratch.path("c2.log"))
        #expect(await second.wait(60) == 0, "coordinator: \(second.log)")
        for w in workers { #expect(await w.wait(10) == 0, "worker: \(w.log)") }
        let records = Scratch.records(out)
        #expect(records.count == expected.count, "no trial recorded twice")
        #expect(Self.tagged(out) == expected)
    }
}
