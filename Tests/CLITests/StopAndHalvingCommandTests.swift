import Foundation
import TestSupport
import Testing
import TrialContract

/// Stop rules and successive halving through the built binary, training for
/// real: each stopped trial's record says why it stopped, and a halving
/// sweep's rungs hold the configurations the previous rung's records rank best.
@Suite struct StopAndHalvingCommandTests {
    /// Rungs of 10, 20 and 40 steps (η = 2) over `samples` sampled step sizes × 2 seeds.
    static func halvingSpec(name: String, samplerSeed: Int, samples: Int) -> String {
        """
        name: \(name)
        halving: {min_budget: 10, eta: 2, metric: train_loss}
        base: {data: sphere_teacher, dim: 6, n_train: 24, n_test: 8, width: 16, depth: 1, activation: relu, loss: logistic, steps: 40}
        sampler: {seed: \(samplerSeed)}
        grid:
          lr: {loguniform: [0.01, 10]}
          samples: \(samples)
          seeds: 2
        """
    }

    @Test func stopRulesRecordWhyEachTrialStopped() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("stops.yaml").path
        try """
            name: stops
            base: {data: sphere_teacher, dim: 8, n_train: 16, n_test: 8, width: 64, depth: 1, activation: relu, loss: logistic, lr: 15, steps: 3000, seed: 3}
            grid:
              width: [64]
            sweeps:
              none: {}
              zero: {base: {stop_at_zero_error: true}}
              loss: {base: {stop_loss_below: 0.001}}
              plateau: {base: {lr: 1.0e-9, stop_plateau_steps: 25, steps: 100}}
            """.write(toFile: spec, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("stops.jsonl").path
        let run = try OversweepBinary.run(["run", spec, "--workers", "2", "--out", out, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let bySweep = Dictionary(uniqueKeysWithValues: try trialLines(out).map { ($0["sweep"] as? String ?? "", $0) })
        func stop(_ s: String) -> String? { bySweep[s]?["stop"] as? String }
        func stepsRun(_ s: String) -> Int? { bySweep[s]?["steps_run"] as? Int }
        func metric(_ s: String, _ m: String) -> Double? { (bySweep[s]?["metrics"] as? [String: Any])?[m] as? Double }
        #expect(stop("none") == "steps" && stepsRun("none") == 3000)
        #expect(stop("zero") == "zero_train_error")
        #expect(stepsRun("zero").map(Double.init) == metric("none", "first_step_zero_train_error"))
        #expect(metric("zero", "train_error") == 0)
        #expect(stop("loss") == "loss_below" && (metric("loss", "train_loss") ?? 1) < 0.001)
        #expect((stepsRun("loss") ?? 3000) < 3000)
        #expect(stop("plateau") == "plateau" && stepsRun("plateau") == 25)
        #expect(bySweep.values.allSatisfy { ($0["status"] as? String) == "ok" })
        // `oversweep train` says the same for one config.
        let config = dir.appendingPathComponent("zero.json").path
        let zero = try #require(bySweep["zero"]?["config"])
        try JSONSerialization.data(withJSONObject: zero).write(to: URL(fileURLWithPath: config))
        let train = try OversweepBinary.run(["train", config])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains(#""stop":"zero_train_error""#) || train.stdout.contains(#""stop" : "zero_train_error""#), "\(train.stdout)")
    }

    @Test func halvingPromotesTheBestRecordedConfigurations() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("halving.yaml").path
        try Self.halvingSpec(name: "halving", samplerSeed: 1, samples: 8).write(toFile: spec, atomically: true, encoding: .utf8)
        let plan = try OversweepBinary.run(["plan", spec])
        #expect(plan.stdout.contains("halving steps rungs 10, 20, 40, η = 2, by train_loss (min), 1 bracket"), "\(plan.stdout)")
        #expect(plan.stdout.contains("steps 10: 8 configs, 16 trials → steps 20: 4 configs, 8 trials → steps 40: 2 configs, 4 trials"), "\(plan.stdout)")
        let out = dir.appendingPathComponent("halving.jsonl").path
        let run = try OversweepBinary.run(["run", spec, "--workers", "2", "--out", out, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let recs = try trialLines(out)
        #expect(recs.count == 16 + 8 + 4)
        func rung(_ r: [String: Any]) -> Int { (r["halving"] as? [String: Any])?["rung"] as? Int ?? -1 }
        func lr(_ r: [String: Any]) -> Double { (r["config"] as? [String: Any])?["lr"] as? Double ?? .nan }
        func loss(_ r: [String: Any]) -> Double { (r["metrics"] as? [String: Any])?["train_loss"] as? Double ?? .infinity }
        let ids = Dictionary(uniqueKeysWithValues: recs.map { ($0["id"] as! String, $0) })
        for k in 0..<2 {
            // Rank rung k's configurations by mean loss over their seeds (ties to the smallest id) and compare with rung k+1.
            let here = Dictionary(grouping: recs.filter { rung($0) == k }, by: lr)
            let key = here.mapValues { rs in (rs.map(loss).reduce(0, +) / Double(rs.count), rs.map { $0["id"] as! String }.min()!) }
            let best = key.keys.sorted { key[$0]! < key[$1]! }.prefix(here.count / 2)
            let next = recs.filter { rung($0) == k + 1 }
            #expect(Set(next.map(lr)) == Set(best), "rung \(k + 1)")
            // Each promoted trial names its trial one rung lower: same config and seed, the lower budget.
            for r in next {
                let from = try #require((r["halving"] as? [String: Any])?["promoted_from"] as? String)
                let parent = try #require(ids[from])
                #expect(rung(parent) == k && lr(parent) == lr(r))
                #expect((parent["config"] as? [String: Any])?["seed"] as? Int == (r["config"] as? [String: Any])?["seed"] as? Int)
            }
        }
        let status = try OversweepBinary.run(["status", out, "--spec", spec])
        #expect(status.stdout.contains("halving: 28 trials planned, 0 remaining"), "\(status.stdout)")
        #expect(status.stdout.contains("bracket 0: rung 2 (steps 40): 4 of 4 trials recorded; finished"), "\(status.stdout)")
    }

    /// `plan --list` lists the trials known before any result: each
    /// bracket's first rung, with the ids the sweep then records; and a
    /// watcher counts a halving sweep by its rungs and stops when it ends.
    @Test func halvingListAndWatchCountByRungs() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("halving.yaml").path
        try Self.halvingSpec(name: "halving-watch", samplerSeed: 2, samples: 4).write(toFile: spec, atomically: true, encoding: .utf8)
        let plan = try OversweepBinary.run(["plan", spec, "--list"])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("bracket 0, rung 0 (steps 10):"), "\(plan.stdout)")
        #expect(plan.stdout.contains("later rungs (steps 20, steps 40): the configurations these results promote"), "\(plan.stdout)")
        let listed = Set(plan.stdout.split(separator: "\n").compactMap { line -> String? in
            let parts = line.split(separator: " ")
            return parts.count >= 2 && Int(parts[0]) != nil && parts[1].count == 12 ? String(parts[1]) : nil
        })
        #expect(listed.count == 8)
        let full = dir.appendingPathComponent("full.jsonl").path
        let run = try OversweepBinary.run(["run", spec, "--workers", "1", "--out", full, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = try String(contentsOfFile: full, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true)
        let recs = try trialLines(full)
        func rung(_ r: [String: Any]) -> Int { (r["halving"] as? [String: Any])?["rung"] as? Int ?? -1 }
        #expect(Set(recs.filter { rung($0) == 0 }.map { String(($0["id"] as! String).prefix(12)) }) == listed)
        #expect(recs.count == 8 + 4 + 2)

        // The watcher starts on the header and the first rung alone and sees the rest arrive.
        let watched = dir.appendingPathComponent("watched.jsonl").path
        try (lines.prefix(1 + 8).joined(separator: "\n") + "\n").write(toFile: watched, atomically: true, encoding: .utf8)
        let watch = try BackgroundProcess(OversweepBinary.url, ["status", watched, "--watch", "--interval", "0.2"], logs: dir, name: "status")
        defer { watch.stop() }
        #expect(eventually(within: 30) { watch.stdout.contains("8 of 14 trials") }, "\(watch.stdout) \(watch.stderr)")
        #expect(watch.process.isRunning)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: watched))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((lines.dropFirst(1 + 8).joined(separator: "\n") + "\n").utf8))
        try handle.close()
        #expect(watch.waitForExit(within: 30), "stops by itself once the last rung is recorded: \(watch.stdout)")
        #expect(watch.stdout.contains("14 of 14 trials (100.0%): 14 ok, 0 diverged, 0 failed — complete"), "\(watch.stdout)")
    }
}
