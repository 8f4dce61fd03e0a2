import Foundation
import TestSupport
import Testing
import TrialContract
@testable import Sweep

/// Parses YAML text as a spec named "t.yaml".
func spec(_ yaml: String) throws -> SweepSpec { try SweepSpec.parse(yaml: yaml, path: "t.yaml") }

func plan(_ yaml: String, _ options: ShardingOptions = .init()) throws -> SweepPlan {
    try SweepPlan(spec: spec(yaml), options: options)
}

/// The error a spec gets from parsing and planning, or nil.
func failure(_ yaml: String) -> SweepError? {
    do {
        _ = try plan(yaml)
        return nil
    } catch let e as SweepError {
        return e
    } catch {
        Issue.record("not a SweepError: \(error)")
        return nil
    }
}

@Suite struct SpecTests {
    @Test func listsRangesAndSeedsMakeAProduct() throws {
        let p = try plan(baseYAML + """

            grid:
              width: [16, 32]
              lr: {linspace: [0.1, 0.3, 3]}
              depth: {range: [1, 3]}
              seeds: 2
            """)
        #expect(p.trialCount == 2 * 3 * 3 * 2)
        let lrs = Set(p.trials().map(\.config.lr))
        #expect(lrs == [0.1, 0.2, 0.3])  // rounded to what a user writes, not 0.30000000000000004
        #expect(Set(p.trials().map(\.config.depth)) == [1, 2, 3])
        #expect(Set(p.trials().map(\.config.seed)) == [0, 1])
        #expect(Set(p.trials().map(\.id)).count == p.trialCount)
    }

    @Test func generatorsFollowTheirDocumentedMeaning() throws {
        let p = try plan(baseYAML + """

            grid:
              width: {logspace: [16, 256, 5]}
              lr: {range: [0.5, 0.25, -0.125]}
              seeds: [7, 11]
            """)
        #expect(Set(p.trials().map(\.config.width)) == [16, 32, 64, 128, 256])
        #expect(Set(p.trials().map(\.config.lr)) == [0.5, 0.375, 0.25])
        #expect(Set(p.trials().map(\.config.seed)) == [7, 11])
    }

    @Test func zipMovesAxesTogether() throws {
        let p = try plan(baseYAML + """

            grid:
              zip:
                width: [16, 64, 256]
                lr: [1.0, 0.25, 0.0625]
              seeds: 2
            """)
        #expect(p.trialCount == 6)
        let pairs = Set(p.trials().map { "\($0.config.width)/\($0.config.lr)" })
        #expect(pairs == ["16/1.0", "64/0.25", "256/0.0625"])
    }

    @Test func conditionalSubGridsApplyOnlyWhereTheyHold() throws {
        let p = try plan(baseYAML + """

            grid:
              activation: [relu, leaky, tanh]
              residual: [false, true]
              depth: [4]
              when:
                - if: {activation: leaky}
                  alpha: [-1, 0.5]
                - if: {residual: true}
                  theta: [0.25, 0.5]
            """)
        // relu, tanh: 1 each; leaky: 2 alphas; × (residual false: 1, true: 2 thetas)
        #expect(p.trialCount == (1 + 1 + 2) * (1 + 2))
        let leaky = p.trials().filter { $0.config.activation == .leaky }
        #expect(Set(leaky.map(\.config.alpha)) == [-1, 0.5])
        #expect(p.trials().filter { $0.config.activation == .relu }.allSatisfy { $0.config.alpha == 0 })
        #expect(p.trials().filter { !$0.config.residual }.allSatisfy { $0.config.theta == 1 })
        #expect(Set(p.trials().map(\.id)).count == p.trialCount)
        let alpha = p.axes.first { $0.field == "alpha" }
        #expect(alpha?.condition == "activation = leaky")
    }

    @Test func conditionsNestAndMayNameSeveralAxes() throws {
        let p = try plan(baseYAML + """

            grid:
              optimizer: [gd, sgd]
              activation: [relu, leaky]
              when:
                - if: {optimizer: sgd}
                  batch_size: [8, 32]
                  when:
                    - if: {batch_size: 8, activation: leaky}
                      alpha: [-1, 0.5]
            """)
        // gd: relu, leaky (2); sgd: B=32 × 2 activations, B=8 × (relu + leaky × 2 α) = 2 + 2 + 3
        #expect(p.trialCount == 2 + 2 + 3)
        #expect(p.trials().filter { $0.config.alpha == -1 }.allSatisfy { $0.config.batchSize == 8 && $0.config.optimizer == .sgd })
        #expect(Set(p.trials().map(\.id)).count == p.trialCount)
    }

    @Test func topLevelConditionsNeedNotHoldInEverySubSweep() throws {
        let yaml = baseYAML + """

            grid:
              activation: [relu, leaky]
              when:
                - if: {activation: leaky}
                  alpha: [-1, 0.5]
            sweeps:
              both: {}
              relu-only:
                grid: {activation: [relu]}
            """
        let p = try plan(yaml)
        #expect(p.trialsPerSweep.map(\.count) == [3, 0] || p.trialsPerSweep.map(\.count) == [3])
        #expect(p.trialCount == 3 && p.duplicateCount == 1)
        // …but must hold in some sub-sweep, with values its axis takes.
        #expect(failure(yaml.replacingOccurrences(of: "if: {activation: leaky}", with: "if: {activation: tanh}"))?
            .problem.contains("'tanh' is not a value of axis activation") == true)
    }

    @Test func namedSubSweepsShareBaseAndTopGrid() throws {
        let p = try plan(baseYAML + """

            grid:
              seeds: 3
            sweeps:
              S1:
                grid:
                  width: [16, 32]
              S2:
                base: {depth: 3}
                grid:
                  width: [32, 64]
                  seeds: 1
            """)
        let s1 = p.trials().filter { $0.sweep == "S1" }
        let s2 = p.trials().filter { $0.sweep == "S2" }
        #expect(s1.count == 6 && s2.count == 2)
        #expect(s2.allSatisfy { $0.config.depth == 3 } && s1.allSatisfy { $0.config.depth == 2 })
        #expect(p.spec.sweepNames == ["S1", "S2"])
    }

    @Test func pointsSharedBetweenSubSweepsRunOnce() throws {
        let p = try plan(baseYAML + """

            sweeps:
              A:
                grid: {width: [16, 32, 64]}
              B:
                grid: {width: [64, 128]}
            """)
        #expect(p.trialCount == 4 && p.duplicateCount == 1)
        #expect(p.trialsPerSweep.map(\.sweep) == ["A", "B"] && p.trialsPerSweep.map(\.count) == [3, 1])
        #expect(p.trials().map(\.config.width) == [16, 32, 64, 128])
        #expect((0..<p.shardCount).flatMap { p.shard(at: $0).trials.map(\.config.width) } == [16, 32, 64, 128])
    }

    @Test func anchorsAliasesAndMergeKeysWork() throws {
        let p = try plan("""
            x-model: &model
              depth: 2
              width: 16
              activation: relu
            base:
              <<: *model
              width: 32          # explicit keys win over merged ones
              data: sphere_teacher
              loss: logistic
              lr: &lr 0.1
              steps: 10
            grid:
              lr: [*lr, 0.2]
            """)
        #expect(p.trialCount == 2)
        #expect(p.trials().allSatisfy { $0.config.width == 32 && $0.config.depth == 2 })
        #expect(Set(p.trials().map(\.config.lr)) == [0.1, 0.2])
    }

    @Test func yamlScalarsFollowTheCoreSchema() throws {
        // 1e-3 is a number; "0.10" quoted is text and refused for a number field; yes is not a bool.
        let p = try plan(baseYAML.replacingOccurrences(of: "lr: 0.1", with: "lr: 1e-3") + "\ngrid: {width: [8]}")
        #expect(p.trial(at: 0).config.lr == 0.001)
        #expect(failure(baseYAML.replacingOccurrences(of: "lr: 0.1", with: "lr: \"0.10\"") + "\ngrid: {width: [8]}")?
            .problem == "config key 'lr': expected a number")
        #expect(failure(baseYAML + "\n  bias: yes\ngrid: {width: [8]}")?.problem == "config key 'bias': expected true or false")
    }
}
