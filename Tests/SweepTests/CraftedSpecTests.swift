import Foundation
import PropertyBased
import TestSupport
import Testing
import TrialContract
@testable import Sweep

/// Specs made to hurt: alias bombs, sizes no machine can allocate, numbers an
/// integer field cannot hold. Each is one error line, never a crash or a hang.
@Suite struct CraftedSpecTests {
    /// Anchors a0…aN, each a list of `fanout` aliases of the previous one:
    /// (fanout)^N leaves from a few hundred bytes.
    static func aliasBomb(levels: Int, fanout: Int, use: String) -> String {
        var lines = ["x-a0: &a0 [" + (1...fanout).map(String.init).joined(separator: ",") + "]"]
        for i in 1...levels {
            lines.append("x-a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: fanout).joined(separator: ",") + "]")
        }
        return lines.joined(separator: "\n") + "\n" + baseYAML + "\n" + use
    }

    @Test func aliasesThatExpandPastTheLimitAreRefusedUnexpanded() {
        // 10^9 leaves: expanding them would take minutes and gigabytes.
        let axis = Self.aliasBomb(levels: 8, fanout: 10, use: "grid:\n  named_steps: *a8")
        guard let e = failure(axis) else { Issue.record("alias bomb accepted"); return }
        #expect(e.code == .tooLarge, "\(e)")
        #expect(e.problem.contains("more than \(SpecReader.maxExpandedNodes) YAML nodes"), "\(e)")
        #expect(e.line != nil && !e.description.contains("\n"))

        // As a mapping key, Yams itself would hash the whole expansion while composing.
        let key = Self.aliasBomb(levels: 8, fanout: 10, use: "x-k:\n  ? *a8\n  : 1")
        #expect(failure(key)?.code == .tooLarge)

        // Through merge keys (`<<: [*m, *m, …]`), which the spec reader expands itself.
        var merges = ["x-m0: &m0 {depth: 2}"]
        for i in 1...20 { merges.append("x-m\(i): &m\(i) {<<: [*m\(i - 1), *m\(i - 1)]}") }
        let merged = merges.joined(separator: "\n") + "\n" + baseYAML + "\n  <<: *m20\ngrid: {width: [8]}"
        #expect(failure(merged)?.code == .tooLarge)
    }

    @Test func aliasesWithinTheLimitStillWork() throws {
        // 10^4 leaves, and a `*` that is no alias (quoted, in a comment) counts harmlessly.
        let yaml = Self.aliasBomb(levels: 3, fanout: 10, use: "description: \"*not an alias*\"  # nor *this\ngrid:\n  width: [8, 16]")
        #expect(try plan(yaml).trialCount == 2)
        let reused = "x-model: &model {n_test: 7, bias: true}\n" + baseYAML + "\n  <<: *model\ngrid: {seeds: 2}"
        #expect(try plan(reused).trial(at: 0).config.nTest == 7)
    }

    @Test func hugeSizesAreRefusedAtPlanTimeWithOneLine() {
        for (field, value) in [("width", "3037000500"), ("width", "10000000000000"), ("n_train", "100000000000"),
                               ("depth", "1000000000000"), ("n_test", "9223372036854775807")] {
            let yaml = baseYAML + "\ngrid:\n  \(field): [\(value)]"
            guard let e = failure(yaml) else { Issue.record("\(field) \(value) accepted"); continue }
            #expect(e.code == .invalidTrial, "\(e)")
            #expect(e.problem.contains("too large to train") && e.problem.contains(field), "\(e)")
        }
    }

    @Test func aTrialOverTheShardMemoryBoundNamesItsSizeWithoutTrapping() {
        // Over settings.shard_memory_mb but under the hard limit: the shard message prints any size.
        let yaml = "settings: {shard_memory_mb: 1}\n" + baseYAML + "\ngrid:\n  width: [20000]"
        guard let e = failure(yaml) else { Issue.record("accepted"); return }
        #expect(e.problem.contains("MiB") && e.problem.contains("shard_memory_mb"), "\(e)")
        #expect(SweepPlan.mib(1e300) == "9.54e+293" && SweepPlan.mib(3 * 1_048_576) == "3")
    }

    @Test func integerFieldsSayWhatIsWrongWithTheNumber() {
        func problem(_ grid: String) -> String { failure(baseYAML + "\ngrid:\n  " + grid)?.problem ?? "accepted" }
        #expect(problem("width: [12.5]").contains("width must be a whole number (got 12.5)"))
        #expect(problem("seeds: [-1]").contains("seed must be an integer ≥ 0 (got -1)"))
        #expect(problem("width: [1e30]").contains("out of range for an integer"))
        #expect(problem("depth: [99999999999999999999]").contains("out of range for an integer"))
        for p in [problem("width: [12.5]"), problem("seeds: [-1]")] { #expect(!p.contains("too large"), "\(p)") }
        // In base too.
        #expect(failure(baseYAML.replacingOccurrences(of: "width: 32", with: "width: 12.5") + "\ngrid: {seeds: 1}")?
            .problem.contains("whole number") == true)
        // The largest seed is still a seed.
        #expect((try? plan(baseYAML + "\ngrid:\n  seeds: [18446744073709551615]"))?.trialCount == 1)
    }

    /// Random bytes and random edits of a valid spec: an error or a plan, never a crash.
    @Test func mutatedSpecsNeverCrash() async {
        let valid = Array((baseYAML + "\ngrid:\n  width: [8, 16]\n  alpha: {linspace: [0, 1, 3]}\n  seeds: 2").utf8)
        let alphabet = Array("*&[]{}:,-? \n\"'#!|>0123456789.e".utf8)
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            var rng = SplitMix(seed: seed)
            var bytes = valid
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[at] = alphabet.randomElement(using: &rng)!
                case 1: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: at)
                default: if bytes.count > 1 { bytes.remove(at: at) }
                }
            }
            do {
                _ = try plan(String(decoding: bytes, as: UTF8.self))
            } catch let e as SweepError {
                #expect(!e.description.contains("\n"))
            } catch {
                Issue.record("not a SweepError: \(error)")
            }
        }
    }
}

