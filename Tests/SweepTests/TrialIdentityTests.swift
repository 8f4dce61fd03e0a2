import Foundation
import PropertyBased
import TestSupport
import Testing
import TrialContract
@testable import Sweep

@Suite struct TrialIdentityTests {
    static let spec = baseYAML + """

        grid:
          width: [16, 64]
          activation: [relu, leaky]
          lr: [0.1, 0.5]
          seeds: 2
          when:
            - if: {activation: leaky}
              alpha: [-1, 0.25]
        """

    func ids(_ yaml: String) throws -> [TrialID] { try plan(yaml).trials().map(\.id) }

    @Test func reorderingKeysAxesAndRespellingNumbersKeepsIdsOrderAndHash() throws {
        let reference = try plan(Self.spec)
        let rewritten = """
            grid:
              seeds: [0, 1]
              when:
                - alpha: [-1.0, 2.5e-1]
                  if: {activation: [leaky]}
              lr: [1e-1, 0.50]
              activation: [relu, leaky]
              width: [16.0, 64]
            base:
              steps: 10
              lr: 0.10
              loss: logistic
              activation: relu
              depth: 2
              data: sphere_teacher   # comment
            """
        let other = try plan(rewritten)
        #expect(other.trials().map(\.id) == reference.trials().map(\.id))
        #expect(other.spec.hash == reference.spec.hash)
        #expect((0..<other.shardCount).map { other.shardRange(at: $0) } == (0..<reference.shardCount).map { reference.shardRange(at: $0) })
        // Reversing axis values changes the order but not the set of trials or the hash.
        let reversed = try plan(Self.spec.replacingOccurrences(of: "[16, 64]", with: "[64, 16]"))
        #expect(Set(reversed.trials().map(\.id)) == Set(reference.trials().map(\.id)))
        #expect(reversed.spec.hash == reference.spec.hash)
    }

    @Test func zipKeysAndConditionClausesInAnyOrderGiveTheSameOrder() throws {
        let a = try plan(baseYAML + """

            grid:
              activation: [relu, leaky]
              depth: [1, 2]
              zip: {width: [16, 32], lr: [0.1, 0.2]}
              when:
                - if: {activation: leaky, depth: 2}
                  alpha: [-1, 0.5]
            """)
        let b = try plan(baseYAML + """

            grid:
              when:
                - alpha: [-1, 0.5]
                  if: {depth: [2], activation: [leaky]}
              zip: {lr: [0.1, 0.2], width: [16, 32]}
              depth: [1, 2]
              activation: [relu, leaky]
            """)
        #expect(a.trialCount == 2 * (3 + 2) && a.trials().map(\.id) == b.trials().map(\.id))
        #expect((0..<a.trialCount).map { a.axisValues(at: $0).map(\.field) } == (0..<b.trialCount).map { b.axisValues(at: $0).map(\.field) })
    }

    @Test func changingAnythingThatTrainsChangesIdsAndHash() throws {
        let reference = try plan(Self.spec)
        let changes = [
            ("lr: [0.1, 0.5]", "lr: [0.1, 0.6]"), ("steps: 10", "steps: 11"), ("depth: 2", "depth: 3"),
            ("alpha: [-1, 0.25]", "alpha: [-1, 0.3]"), ("seeds: 2", "seeds: [0, 2]"),
        ]
        for (from, to) in changes {
            let changed = try plan(Self.spec.replacingOccurrences(of: from, with: to))
            #expect(Set(changed.trials().map(\.id)) != Set(reference.trials().map(\.id)), "\(to)")
            #expect(changed.spec.hash != reference.spec.hash, "\(to)")
        }
    }

    @Test func idIsTheHashOfTheNormalizedCanonicalConfig() throws {
        var a = TrialConfig()
        a.activation = .relu
        var b = a
        b.alpha = 0.7  // ignored by relu: normalized() resets it
        #expect(TrialID(config: a) == TrialID(config: b))
        #expect(TrialID(config: a).rawValue == CanonicalJSON.sha256Hex(CanonicalJSON.text(config: a)))
        #expect(TrialID(config: a).rawValue.count == 64)
        // The canonical text is JSON that decodes back to the normalized config.
        let decoded = try JSONDecoder().decode(TrialConfig.self, from: Data(CanonicalJSON.text(config: a).utf8))
        #expect(decoded == a.normalized())
    }

    /// Random configs: the id survives a trip through JSON text with numbers
    /// written differently, and any single change to a field that trains changes it.
    @Test func idsAreStableUnderRespellingAndSensitiveToTraining() async {
        await propertyCheck(count: 200, input: Gen.uint64()) { seed in
            var rng = SplitMix(seed: seed)
            var c = TrialConfig()
            c.seed = rng.next() % 1000
            c.width = 2 * Int(1 + rng.next() % 512)
            c.depth = Int(1 + rng.next() % 6)
            c.lr = Double(1 + rng.next() % 1000) / 1000
            c.activation = [.relu, .leaky, .tanh][Int(rng.next() % 3)]
            c.alpha = -Double(rng.next() % 100) / 50
            c.momentum = Double(rng.next() % 9) / 10
            c.noiseStd = rng.next() % 2 == 0 ? nil : 0.25
            c.namedSteps = [Int(rng.next() % 50), 7]
            // Canonical text is the config's own JSON, keys sorted, no spaces.
            let canonical = try! JSONSerialization.jsonObject(with: Data(c.canonicalText.utf8)) as? NSDictionary
            let encoded = try! JSONSerialization.jsonObject(with: JSONEncoder().encode(c)) as? NSDictionary
            #expect(canonical != nil && canonical == encoded)
            #expect(c.canonicalText == JSONValue.object(c.jsonObject).canonicalText)

            let id = TrialID(config: c)

            // Respell: encode with Foundation, decode again (numbers pass through other text).
            let text = String(decoding: try! JSONEncoder().encode(c), as: UTF8.self)
            let respelled = text.replacingOccurrences(of: "\"lr\":", with: "\"lr\":  ")
            let back = try! JSONDecoder().decode(TrialConfig.self, from: Data(respelled.utf8))
            #expect(TrialID(config: back) == id)

            var changed = c
            switch rng.next() % 5 {
            case 0: changed.seed += 1
            case 1: changed.width += 2
            case 2: changed.lr *= 1.5
            case 3: changed.depth += 1
            default: changed.momentum += 0.05
            }
            #expect(TrialID(config: changed) != id)
        }
    }
}
