import Foundation
import Testing
import TrialContract

@Suite struct TrialConfigTests {
    static let minimal = #"{"data":"sphere_teacher","width":64,"depth":2,"activation":"relu","loss":"logistic","lr":0.1,"steps":10}"#

    func decode(_ json: String) throws -> TrialConfig {
        try JSONDecoder().decode(TrialConfig.self, from: Data(json.utf8))
    }

    func message(_ json: String) -> String? {
        do {
            try decode(json).validate()
            return nil
        } catch let e as ConfigError {
            return e.message
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func minimalConfigDecodesWithDefaults() throws {
        let c = try decode(Self.minimal)
        #expect(c.width == 64 && c.depth == 2 && c.steps == 10)
        #expect(c.dtype == .float64 && c.optimizer == .gd && c.initPreset == .he)
        try c.validate()
    }

    @Test func encodeDecodeRoundTrip() throws {
        var c = try decode(Self.minimal)
        c.activation = .leaky; c.alpha = -1; c.rescaled = true; c.noiseStd = 0.5; c.train = "1,out"
        let again = try JSONDecoder().decode(TrialConfig.self, from: JSONEncoder().encode(c))
        #expect(again == c)
    }

    @Test func unknownKeySuggestsTheClosest() {
        let json = Self.minimal.replacingOccurrences(of: #""steps":10"#, with: #""steps":10,"widht":3"#)
        #expect(message(json) == "unknown config key 'widht' (did you mean 'width'?)")
    }

    @Test func badValuesGetOneClearLine() {
        #expect(message(Self.minimal.replacingOccurrences(of: "\"relu\"", with: "\"relux\""))?.hasPrefix("config key 'activation': expected one of: relu") == true)
        #expect(message(Self.minimal.replacingOccurrences(of: "\"width\":64", with: "\"width\":0")) == "width must be > 0 (got 0)")
        #expect(message(Self.minimal.replacingOccurrences(of: "\"lr\":0.1", with: "\"lr\":-1")) == "lr must be a positive finite number (got -1.0)")
        #expect(message(Self.minimal.replacingOccurrences(of: "\"width\":64", with: "\"width\":63,\"output_layer\":\"fixed_sign\""))
                == "output_layer fixed_sign needs an even width (got 63)")
        #expect(message(Self.minimal.replacingOccurrences(of: "\"steps\":10,", with: "").replacingOccurrences(of: ",\"steps\":10", with: ""))
                == "missing required config key 'steps'")
        #expect(message(Self.minimal.replacingOccurrences(of: "\"width\":64", with: "\"width\":\"wide\"")) == "config key 'width': expected an integer")
    }

    @Test func normalizationErasesFieldsThatCannotMatter() throws {
        var a = try decode(Self.minimal)
        var b = a
        b.alpha = 0.3          // ignored: not leaky
        b.theta = 0.25         // ignored: not residual
        b.batchSize = 7        // ignored: full-batch GD
        #expect(a.normalized() == b.normalized())
        a.activation = .leaky; b.activation = .leaky
        #expect(a.normalized() != b.normalized())
    }

    /// A stop rule that is off has one spelling (unset), so configs that never
    /// name a stop rule keep their ids, and `false` / `0` / the default
    /// tolerance do not make a second id for the same run.
    @Test func stopRulesThatAreOffLeaveTheIdAlone() throws {
        let plain = try decode(Self.minimal)
        #expect(!plain.canonicalText.contains("stop_"))
        var off = plain
        off.stopAtZeroError = false
        off.stopPlateauSteps = 0
        off.stopPlateauTolerance = 0.5
        #expect(TrialID(config: off) == TrialID(config: plain))
        var on = plain
        on.stopPlateauSteps = 20
        var onDefault = on
        onDefault.stopPlateauTolerance = TrialConfig.defaultPlateauTolerance
        #expect(TrialID(config: on) == TrialID(config: onDefault))
        #expect(TrialID(config: on) != TrialID(config: plain))
        on.stopPlateauTolerance = 0.01
        #expect(TrialID(config: on) != TrialID(config: onDefault))
        var zero = plain
        zero.stopAtZeroError = true
        #expect(TrialID(config: zero) != TrialID(config: plain))
    }

    @Test func stopRulesAreChecked() {
        let regression = Self.minimal.replacingOccurrences(of: #""data":"sphere_teacher""#, with: #""data":"leaky_synthetic""#)
            .replacingOccurrences(of: #""loss":"logistic""#, with: #""loss":"square""#)
        let cases = [
            (Self.minimal, #","stop_loss_below":0}"#, "stop_loss_below must be a positive finite number (got 0.0)"),
            (Self.minimal, #","stop_plateau_steps":-3}"#, "stop_plateau_steps must be ≥ 0 (got -3)"),
            (Self.minimal, #","stop_plateau_steps":5,"stop_plateau_tolerance":1.5}"#, "stop_plateau_tolerance must be in [0, 1) (got 1.5)"),
            (regression, #","stop_at_zero_error":true}"#,
             "stop_at_zero_error needs a classification target (data leaky_synthetic is a regression target); use stop_loss_below"),
        ]
        for (config, extra, expected) in cases {
            #expect(message(String(config.dropLast()) + extra) == expected, "\(extra)")
        }
        #expect(message(String(Self.minimal.dropLast()) + #","stop_at_zero_error":true,"stop_loss_below":1e-3,"stop_plateau_steps":9}"#) == nil)
    }
}

/// `data_digest`: the id covers a data file's contents, not its path.
@Suite struct DataDigestIdentityTests {
    static func fileConfig(_ path: String, digest: String?) -> TrialConfig {
        var c = TrialConfig()
        c.data = .file
        c.dataFile = path
        c.dataDigest = digest
        return c
    }

    @Test func theIdentityTextLeavesThePathOutOnlyWhenADigestStandsForIt() {
        let digest = String(repeating: "0f", count: 32)
        let a = Self.fileConfig("/a/d.csv", digest: digest), b = Self.fileConfig("/b/moved.csv", digest: digest)
        #expect(TrialID(config: a) == TrialID(config: b))
        #expect(!a.identityText.contains("data_file") && a.canonicalText.contains("/a/d.csv"))
        #expect(TrialID(config: a) != TrialID(config: Self.fileConfig("/a/d.csv", digest: String(repeating: "f0", count: 32))))
        // Without a digest the path is what identifies the file (a config from another tool).
        #expect(TrialID(config: Self.fileConfig("/a/d.csv", digest: nil)) != TrialID(config: Self.fileConfig("/b/d.csv", digest: nil)))
        // Other generators drop both.
        var generated = a
        generated.data = .sphereTeacher
        #expect(generated.normalized().dataDigest == nil && generated.normalized().dataFile == nil)
    }

    @Test func aDigestMustBeSHA256Hex() {
        for bad in ["abc", String(repeating: "AB", count: 32), String(repeating: "zz", count: 32)] {
            #expect(throws: ConfigError.self) { try Self.fileConfig("/d.csv", digest: bad).validate() }
        }
        #expect(throws: Never.self) { try Self.fileConfig("/d.csv", digest: String(repeating: "09", count: 32)).validate() }
    }
}
