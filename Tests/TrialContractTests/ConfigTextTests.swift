import Foundation
import TestSupport
import Testing
import TrialContract

/// `TrialConfig.scan` is a shortcut for `TrialConfig`'s decoder: whatever it
/// accepts it must read exactly as that decoder does, and it must give up on
/// anything unusual (the decoder then names the problem). The writer writes
/// what Foundation's encoder would.
@Suite struct ConfigTextTests {
    static func randomConfig(_ rng: inout SplitMix) -> TrialConfig {
        func pick<T>(_ all: [T]) -> T { all[Int(rng.next() % UInt64(all.count))] }
        func real() -> Double {
            // Awkward decimals, tiny and huge magnitudes, negatives, integers.
            let k = rng.next() % 4
            let x = Double(bitPattern: rng.next() >> 12 | 0x3FF0_0000_0000_0000) - 1
            switch k {
            case 0: return x
            case 1: return -x * 1e-9
            case 2: return Double(rng.next() % 1000)
            default: return x * 1e15
            }
        }
        var c = TrialConfig()
        c.seed = rng.next()
        c.dtype = pick(DType.allCases)
        c.data = pick(DataKind.allCases)
        c.dim = Int(rng.next() % 100) + 1
        c.nTrain = Int(rng.next() % 5000)
        c.margin = real()
        c.labelFlip = real()
        if rng.next() % 2 == 0 { c.noiseStd = real() }
        if rng.next() % 2 == 0 { c.biasCoordinate = real() }
        if rng.next() % 3 == 0 { c.dataFile = pick(["data/x.npz", "données/é.csv", "a b/c"]) }
        c.width = Int(rng.next() % 4096) + 1
        c.depth = Int(rng.next() % 8) + 1
        c.residual = rng.next() % 2 == 0
        c.theta = real()
        c.inputLayer = pick(InputLayerKind.allCases)
        c.outputLayer = pick(OutputLayerKind.allCases)
        c.bias = rng.next() % 2 == 0
        c.activation = pick(ActivationKind.allCases)
        c.alpha = real()
        c.initPreset = pick(InitPreset.allCases)
        if rng.next() % 2 == 0 { c.initHiddenVar = real() }
        c.train = pick(["all", "hidden", "output", "0,2"])
        c.loss = pick(LossKind.allCases)
        c.reduction = pick(LossReduction.allCases)
        c.optimizer = pick(OptimizerKind.allCases)
        c.lr = real()
        c.lrScaling = pick(LRScaling.allCases)
        c.momentum = real()
        c.lrDecayEvery = Int(rng.next() % 100)
        c.steps = Int(rng.next() % 100_000)
        c.metrics = pick(MetricsLevel.allCases)
        c.namedSteps = (0..<Int(rng.next() % 5)).map { _ in Int(rng.next() % 1000) }
        return c
    }

    static func written(_ c: TrialConfig) throws -> [UInt8] {
        var w = JSONWriter()
        try c.write(to: &w)
        return w.bytes
    }

    @Test func readsWhatTheWriterWroteExactlyAsTheDecoderDoes() throws {
        var rng = SplitMix(seed: 42)
        for _ in 0..<400 {
            let c = Self.randomConfig(&rng)
            let bytes = try Self.written(c)
            let fast = TrialConfig.scan(bytes)
            #expect(fast == c, "\(String(decoding: bytes, as: UTF8.self))")
            #expect(fast == (try JSONDecoder().decode(TrialConfig.self, from: Data(bytes))))
        }
    }

    @Test(arguments: [
        (#"{"data":"separated","width":8,"depth":1,"activation":"relu","loss":"logistic","lr":0.1}"#, "steps missing"),
        (#"{"data":"separated","width":8,"depth":1,"activation":"relu","loss":"logistic","lr":0.1,"steps":3,"stepz":1}"#, "unknown key"),
        (#"{"data":"separated","width":8,"width":9,"depth":1,"activation":"relu","loss":"logistic","lr":0.1,"steps":3}"#, "repeated key"),
        (#"{"data":"separated","width":8.0,"depth":1,"activation":"relu","loss":"logistic","lr":0.1,"steps":3}"#, "fractional int"),
        (#"{"data":"separated","width":8,"depth":1,"activation":"relu","loss":"logistic","lr":1e999,"steps":3}"#, "overflow"),
        (#"{"data":"separated","width":8,"depth":1,"activation":"rellu","loss":"logistic","lr":0.1,"steps":3}"#, "bad enum"),
        (#"{"data":"separated","width":null,"depth":1,"activation":"relu","loss":"logistic","lr":0.1,"steps":3}"#, "null in a required field"),
        (#"{"data":"separated","width":8,"depth":1,"activation":"relu","loss":"logistic","lr":0.1,"steps":3,"train":"a\u0041"}"#, "escape"),
        (#"{"data":"separated","width":8,"depth":1,"activation":"relu","loss":"logistic","lr":0.1,"steps":3} x"#, "trailing text"),
        (#"{"data":"separated","width":-1e2,"depth":1,"activation":"relu","loss":"logistic","lr":0.1,"steps":3}"#, "exponent int"),
        (#"{"seed":-1,"data":"separated","width":8,"depth":1,"activation":"relu","loss":"logistic","lr":0.1,"steps":3}"#, "negative seed"),
        (#"{"data":"separated","width":08,"depth":1,"activation":"relu","loss":"logistic","lr":0.1,"steps":3}"#, "leading zero"),
    ])
    func givesUpOnAnythingUnusual(text: String, why: String) {
        #expect(TrialConfig.scan(Array(text.utf8)) == nil, "\(why)")
    }

    @Test func theWriterWritesWhatFoundationWouldWrite() throws {
        var full = TrialConfig()
        full.noiseStd = 0.25
        full.biasCoordinate = 1
        full.dataFile = "data/x,y \"q\".csv"
        full.initInputVar = 0.5
        full.initHiddenVar = 2
        full.initOutputVar = 1e-3
        full.namedSteps = [1, 2, 3]
        full.seed = .max
        var rng = SplitMix(seed: 9)
        let configs = [TrialConfig(), full] + (0..<50).map { _ in Self.randomConfig(&rng) }
        for c in configs {
            let ours = try JSONSerialization.jsonObject(with: Data(try Self.written(c))) as? NSDictionary
            let theirs = try JSONSerialization.jsonObject(with: JSONEncoder().encode(c)) as? NSDictionary
            #expect(ours != nil && ours == theirs)
            #expect(try JSONDecoder().decode(TrialConfig.self, from: Data(try Self.written(c))) == c)
        }
    }

    @Test func nonFiniteNumbersAreRefusedNamingTheField() {
        var c = TrialConfig()
        c.lr = .infinity
        var w = JSONWriter()
        #expect(throws: NonFiniteField.self) { try c.write(to: &w) }
        #expect(throws: NonFiniteNumber.self) { try w.config(c) }
        do { try w.config(c) } catch { #expect(error.what == "config 'lr'") }
    }

    @Test func readsNullInAnOptionalFieldAsAbsentLikeTheDecoder() throws {
        let text = #"{"data":"separated","width":8,"depth":1,"activation":"relu","loss":"logistic","lr":0.1,"steps":3,"noise_std":null}"#
        let fast = try #require(TrialConfig.scan(Array(text.utf8)))
        #expect(fast.noiseStd == nil)
        #expect(fast == (try JSONDecoder().decode(TrialConfig.self, from: Data(text.utf8))))
    }

    @Test func acceptsSpacingAndAnyOrderLikeTheDecoder() throws {
        let text = #" { "steps" : 3 ,"lr":1E-2, "loss":"square","activation":"leaky","alpha":-0.5,"depth":2,"width":8,"data":"separated" } "#
        let fast = try #require(TrialConfig.scan(Array(text.utf8)))
        #expect(fast == (try JSONDecoder().decode(TrialConfig.self, from: Data(text.utf8))))
        #expect(fast.lr == 0.01 && fast.alpha == -0.5 && fast.activation == .leaky)
    }
}
