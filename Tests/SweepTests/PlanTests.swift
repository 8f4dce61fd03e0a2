import Foundation
import PropertyBased
import TestSupport
import Testing
import TrialContract
@testable import Sweep

@Suite struct PlanTests {
    static let mixed = baseYAML + """

        grid:
          width: [16, 64, 256]
          depth: [1, 3]
          activation: [relu, leaky]
          lr: {logspace: [0.01, 1, 5]}
          seeds: 7
          when:
            - if: {activation: leaky}
              alpha: [-1, 0.5]
        """

    @Test func everyTrialIsInExactlyOneShardOfOneShape() throws {
        let p = try plan(Self.mixed, ShardingOptions(targetSeconds: 0.05))
        var covered = 0
        var seen = Set<TrialID>()
        for s in 0..<p.shardCount {
            let shard = p.shard(at: s)
            #expect(shard.index == s && !shard.trials.isEmpty)
            #expect(p.shardRange(at: s).lowerBound == covered)
            covered = p.shardRange(at: s).upperBound
            let shapes = Set(shard.trials.map { t in TrialConfig.shapeFields.map { FieldFacts.valueOf($0, in: t.config) } })
            #expect(shapes.count == 1, "shard \(s) mixes shapes")
            for t in shard.trials { #expect(seen.insert(t.id).inserted) }
            for i in p.shardRange(at: s) { #expect(p.shardIndex(ofTrial: i) == s) }
        }
        #expect(covered == p.trialCount && seen.count == p.trialCount)
        #expect(p.trialCount == 3 * 2 * (1 + 2) * 5 * 7)
    }

    @Test func shardsFollowTheCostTargetAndMemoryBound() throws {
        let small = try plan(Self.mixed, ShardingOptions(targetSeconds: 0.01, gflops: 1))
        let large = try plan(Self.mixed, ShardingOptions(targetSeconds: 1000, gflops: 100))
        #expect(small.shardCount > large.shardCount)
        let target = 0.01 * 1e9
        for s in 0..<small.shardCount where small.shardRange(at: s).count > 1 {
            let cost = small.shard(at: s).trials.map { TrialCost(config: $0.config).flops }.reduce(0, +)
            #expect(cost <= target * 1.0001, "shard \(s) costs \(cost)")
        }
        let bounded = try plan(Self.mixed, ShardingOptions(targetSeconds: 1000, memoryBytes: 16 * 1024 * 1024))
        for s in 0..<bounded.shardCount {
            let bytes = bounded.shard(at: s).trials.map { TrialCost(config: $0.config).bytes }.reduce(0, +)
            #expect(bytes <= 16 * 1024 * 1024)
        }
        // A single trial above the bound is refused at plan time.
        #expect(throws: SweepError.self) { try plan(Self.mixed, ShardingOptions(memoryBytes: 1000)) }
    }

    @Test func randomAccessMatchesIterationAndNeighboursShareShapes() throws {
        let p = try plan(Self.mixed)
        let all = Array(p.trials())
        #expect(all.count == p.trialCount)
        for i in stride(from: 0, to: p.trialCount, by: 37) { #expect(p.trial(at: i) == all[i]) }
        // Shape axes are outermost: the width changes only a few times along the plan.
        let widthChanges = zip(all, all.dropFirst()).filter { $0.config.width != $1.config.width }.count
        #expect(widthChanges <= 3 * 2 * 2)
    }

    @Test func settingsInTheSpecSetShardingAndCommandLineOptionsWin() throws {
        let yaml = "settings: {shard_seconds: 0.01, gflops: 1, max_shard_trials: 3}\n" + Self.mixed
        let p = try plan(yaml)
        #expect(p.options.targetSeconds == 0.01 && p.options.gflops == 1 && p.options.maxTrialsPerShard == 3)
        #expect((0..<p.shardCount).allSatisfy { p.shardRange(at: $0).count <= 3 })
        let overridden = try plan(yaml, ShardingOptions(maxTrialsPerShard: 5))
        #expect(overridden.options.maxTrialsPerShard == 5)
    }

    @Test func bigGridsPlanWithoutMaterialisingTrials() throws {
        // 200,000 points: counts, shards and one trial far in, without enumerating ids.
        let p = try plan(baseYAML + """

            settings: {max_trials: 200000}
            grid:
              width: {range: [8, 206, 2]}
              lr: {linspace: [0.001, 1, 100]}
              seeds: 20
            """)
        #expect(p.trialCount == 100 * 100 * 20)
        let last = p.trial(at: p.trialCount - 1)
        #expect(last.config.width == 206 && last.config.lr == 1 && last.config.seed == 19)
        #expect(p.shardRange(at: p.shardCount - 1).upperBound == p.trialCount)
    }

    /// Random overlapping sub-sweeps: the plan holds exactly the union of
    /// their points, each once, in shards that cover it (checked against a
    /// brute-force set of ids).
    @Test func overlappingSubSweepsGiveTheUnionOnce() async {
        await propertyCheck(count: 25, input: Gen.uint64()) { seed in
            var rng = SplitMix(seed: seed)
            func subset(_ all: [Int]) -> [Int] {
                let s = all.filter { _ in rng.next() % 2 == 0 }
                return s.isEmpty ? [all[Int(rng.next() % UInt64(all.count))]] : s
            }
            var yaml = baseYAML + "\nsettings: {max_shard_trials: \(1 + rng.next() % 4)}\nsweeps:\n"
            var expected = Set<TrialID>()
            for name in ["A", "B", "C"] {
                let widths = subset([8, 16, 32, 64]), steps = subset([5, 10, 20]), seeds = subset([0, 1, 2])
                yaml += "  \(name):\n    grid: {width: \(widths), steps: \(steps), seeds: \(seeds)}\n"
                for w in widths { for st in steps { for sd in seeds {
                    var c = (try? spec(baseYAML))?.blocks.first?.base ?? TrialConfig()
                    c.width = w; c.steps = st; c.seed = UInt64(sd)
                    expected.insert(TrialID(config: c))
                } } }
            }
            guard let p = try? plan(yaml) else {
                Issue.record("spec refused: \(yaml)")
                return
            }
            let ids = (0..<p.shardCount).flatMap { p.shard(at: $0).trials.map(\.id) }
            #expect(ids.count == p.trialCount && Set(ids) == expected && ids.count == expected.count)
            #expect(p.trials().map(\.id) == ids)
        }
    }

    @Test func costGrowsWithWhatTrainingDoes() {
        var c = TrialConfig()
        let base = TrialCost(config: c)
        c.width *= 2
        let wider = TrialCost(config: c)
        c.steps *= 2
        let longer = TrialCost(config: c)
        c.dtype = .float32
        let single = TrialCost(config: c)
        #expect(wider.flops > base.flops && wider.bytes > base.bytes)
        #expect(longer.flops > wider.flops && longer.bytes == wider.bytes)
        #expect(single.bytes < longer.bytes && single.flops == longer.flops)
    }

    @Test func settingsAndLayoutDoNotChangeTheHash() throws {
        let a = try spec(Self.mixed)
        let b = try spec("# a comment\nsettings: {shard_seconds: 1, max_shard_trials: 2}\n" + Self.mixed)
        #expect(a.hash == b.hash)
        #expect(try spec(Self.mixed.replacingOccurrences(of: "seeds: 7", with: "seeds: 6")).hash != a.hash)
    }

    @Test func theShippedExamplesPlan() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples").standardized
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files.contains("quick.yaml"))
        for file in files {
            let p = try SweepPlan(spec: SweepSpec.load(path: dir.appendingPathComponent(file).path))
            #expect(p.trialCount > 0, "\(file)")
        }
        let quick = try SweepPlan(spec: SweepSpec.load(path: dir.appendingPathComponent("quick.yaml").path))
        #expect((24...48).contains(quick.trialCount))
    }
}
