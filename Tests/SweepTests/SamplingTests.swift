import Foundation
import PropertyBased
import TestSupport
import Testing
import TrialContract
@testable import Sweep

/// The pieces of sampled axes: the Sobol sequence against its published
/// points, the scramble's nesting, the host-independent log-uniform map, and
/// sampled axes inside the spec's grammar.
@Suite struct SamplingTests {
    /// The first points of the 3-dimensional Sobol sequence with Joe and Kuo's
    /// direction numbers, as their reference implementation prints them.
    @Test func unscrambledPointsAreThePublishedOnes() {
        let published: [[Double]] = [
            [0, 0, 0], [0.5, 0.5, 0.5], [0.75, 0.25, 0.25], [0.25, 0.75, 0.75], [0.375, 0.375, 0.625],
            [0.875, 0.875, 0.125], [0.625, 0.125, 0.875], [0.125, 0.625, 0.375], [0.1875, 0.3125, 0.9375],
            [0.6875, 0.8125, 0.4375],
        ]
        for (i, point) in published.enumerated() {
            let ours = (0..<3).map { Double(Sobol.point(UInt32(i), dimension: $0)) / 4_294_967_296 }
            #expect(ours == point, "point \(i)")
        }
    }

    /// In every dimension the first 2^m points fall one in each interval of
    /// width 2^−m, before and after scrambling.
    @Test func everyDimensionIsBalanced() {
        for d in 0..<Sobol.maxDimensions {
            for m in [4, 8, 10] {
                let n = 1 << m
                for seed in [nil, UInt32(0x9e37_79b9)] {
                    var cells = Set<UInt32>()
                    for i in 0..<n {
                        var x = Sobol.point(UInt32(i), dimension: d)
                        if let seed { x = Sobol.owenScramble(x, seed: seed) }
                        cells.insert(x >> UInt32(32 - m))
                    }
                    #expect(cells.count == n, "dimension \(d), 2^\(m) points, seed \(String(describing: seed))")
                }
            }
        }
    }

    /// Owen's nesting: two values that agree on their top k bits still agree
    /// on them after scrambling, and the scramble is a bijection.
    @Test func theScrambleIsNested() async {
        await propertyCheck(count: 500, input: Gen.uint64()) { seed in
            var rng = SplitMix(seed: seed)
            let key = UInt32(truncatingIfNeeded: rng.next())
            let x = UInt32(truncatingIfNeeded: rng.next())
            let k = Int(rng.next() % 32)
            let mask: UInt32 = k == 0 ? 0 : ~UInt32(0) << UInt32(32 - k)
            let y = (x & mask) | (UInt32(truncatingIfNeeded: rng.next()) & ~mask)
            let (sx, sy) = (Sobol.owenScramble(x, seed: key), Sobol.owenScramble(y, seed: key))
            #expect(sx & mask == sy & mask)
            #expect((x == y) == (sx == sy))
        }
    }

    /// a·(b/a)^u from square roots agrees with exp/log to within rounding,
    /// is monotone in u, and hits the lower end exactly.
    @Test func logUniformMatchesExpAndLog() {
        var rng = SplitMix(seed: 11)
        var last = 0.0
        for i in 0..<2000 {
            let u = Double(i) / 2000
            let x = SampleDistribution.geometric(1e-4, 1, u)
            let reference = 1e-4 * exp(u * log(1e4))
            #expect(abs(x - reference) <= 1e-13 * reference, "u = \(u)")
            #expect(x > last || i == 0)
            last = x
            let v = Double(rng.next() >> 11) / 9_007_199_254_740_992
            let y = SampleDistribution.geometric(3, 3e7, v)
            #expect(abs(y - 3 * exp(v * log(1e7))) <= 1e-13 * y)
        }
        #expect(SampleDistribution.geometric(0.5, 8, 0) == 0.5)
        #expect(SampleDistribution.geometric(0.5, 8, 0.5) == 2)
    }

    static let sampled = baseYAML + """

        sampler: {seed: 3}
        grid:
          width: [16, 32]
          lr: {loguniform: [0.001, 1]}
          momentum: {uniform: [0, 0.9]}
          depth: {int: [1, 3]}
          activation: {choice: [relu, tanh]}
          samples: 8
          seeds: 2
        """

    @Test func sampledAxesAreOneFactorOfTheProduct() throws {
        let p = try plan(Self.sampled)
        #expect(p.trialCount == 2 * 8 * 2)
        let trials = Array(p.trials())
        #expect(Set(trials.map(\.id)).count == trials.count)
        for t in trials {
            #expect((0.001...1).contains(t.config.lr) && (0...0.9).contains(t.config.momentum))
            #expect((1...3).contains(t.config.depth))
            #expect([ActivationKind.relu, .tanh].contains(t.config.activation))
            #expect(t.config.lr == Double(String(format: "%.12g", t.config.lr)), "12 significant digits")
        }
        // Each draw appears with every width and seed.
        let draws = Set(trials.map { [$0.config.lr, $0.config.momentum] })
        #expect(draws.count == 8)
        let lr = try #require(p.axes.first { $0.field == "lr" })
        #expect(lr.sampled == "loguniform [0.001, 1]; 8 sobol samples, seed 3")
        #expect(p.axes.first { $0.field == "width" }?.sampled == nil)
    }

    @Test func samplesDependOnSeedMethodAndCountButNotOnKeyOrder() throws {
        func draws(_ yaml: String) throws -> [Trial] { Array(try plan(yaml).trials()) }
        let reference = try draws(Self.sampled)
        let reordered = baseYAML + """

            grid:
              seeds: 2
              samples: 8
              activation: {choice: [relu, tanh]}
              depth: {int: [1, 3]}
              momentum: {uniform: [0, 0.9]}
              lr: {loguniform: [0.001, 1]}
              width: [16, 32]
            sampler: {seed: 3, method: sobol}
            """
        #expect(Set(try draws(reordered).map(\.id)) == Set(reference.map(\.id)))
        #expect(try spec(reordered).hash == spec(Self.sampled).hash)
        for changed in [Self.sampled.replacingOccurrences(of: "seed: 3", with: "seed: 4"),
                        Self.sampled.replacingOccurrences(of: "seed: 3", with: "seed: 3, method: random")] {
            #expect(Set(try draws(changed).map(\.id)).isDisjoint(with: reference.map(\.id)))
            #expect(try spec(changed).hash != spec(Self.sampled).hash)
        }
        // More samples extend the sequence: the first 8 draws are kept.
        let more = try draws(Self.sampled.replacingOccurrences(of: "samples: 8", with: "samples: 16"))
        #expect(Set(reference.map(\.id)).isSubset(of: Set(more.map(\.id))))
    }

    @Test func sampledAxesComposeWithWhenAndConditionsOnDraws() throws {
        let p = try plan(baseYAML + """

            grid:
              optimizer: {choice: [gd, sgd]}
              lr: {loguniform: [0.01, 1]}
              samples: 16
              when:
                - if: {optimizer: sgd}
                  batch_size: {int: [4, 32]}
                  samples: 3
            """)
        let trials = Array(p.trials())
        let sgd = trials.filter { $0.config.optimizer == .sgd }, gd = trials.filter { $0.config.optimizer == .gd }
        #expect(!sgd.isEmpty && !gd.isEmpty)
        #expect(sgd.count % 3 == 0 && p.trialCount == gd.count + sgd.count)
        #expect(Set(sgd.map(\.config.batchSize)).count == 3)
        #expect(Set(gd.map(\.config.batchSize)) == [TrialConfig().batchSize])
    }

    @Test func repeatedDrawsRunOnce() throws {
        let p = try plan(baseYAML + """

            grid:
              depth: {int: [1, 2]}
              activation: {choice: [relu, tanh]}
              samples: 64
            """)
        #expect(p.trialCount == 4)
        #expect(p.axes.first { $0.field == "depth" }?.sampled?.contains("64 sobol samples, seed 0; 60 repeated draws dropped") == true)
    }

    @Test func badSampledAxesGetOneLine() {
        let cases: [(String, String)] = [
            ("  lr: {loguniform: [0.001, 1]}\n", "need `samples: N`"),
            ("  width: [8, 16]\n  samples: 4\n", "this grid has no sampled axis"),
            ("  width: {uniform: [8, 16]}\n  samples: 4\n", "'width' takes integers: use int: [low, high]"),
            ("  lr: {loguniform: [0, 1]}\n  samples: 4\n", "low must be > 0"),
            ("  lr: {uniform: [1, 0.5]}\n  samples: 4\n", "low must be below high"),
            ("  depth: {int: [1.5, 3]}\n  samples: 4\n", "expected two integers"),
            ("  activation: {choice: []}\n  samples: 4\n", "list at least one value"),
            ("  lr: {uniform: [0.1, 1]}\n  samples: 0\n", "samples: expected a count ≥ 1"),
            ("  zip:\n    lr: {uniform: [0.1, 1]}\n    width: [8, 16]\n", "cannot be zipped"),
            ("  lr: {uniform: [0.1, 1]}\n  samples: 4\nsampler: {method: halton}\n", "expected sobol or random"),
        ]
        for (grid, expected) in cases {
            let e = failure(baseYAML + "\ngrid:\n" + grid)
            #expect(e?.description.contains(expected) == true, "\(grid): \(e?.description ?? "no error")")
        }
    }
}
