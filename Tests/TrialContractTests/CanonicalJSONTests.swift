import Foundation
import PropertyBased
import TestSupport
import Testing
import TrialContract

@Suite struct CanonicalJSONTests {
    /// The canonical spelling of a number is ECMAScript's shortest form
    /// (RFC 8785), whatever spelling the value came in.
    @Test func numbersHaveOneSpelling() throws {
        let spellings: [(String, String)] = [
            ("0.1", "0.1"), ("0.10", "0.1"), ("1e-1", "0.1"), ("1E-1", "0.1"), ("0.100e0", "0.1"),
            ("1", "1"), ("1.0", "1"), ("1e0", "1"), ("10e-1", "1"), ("-0", "0"), ("-0.0", "0"),
            ("1e21", "1e+21"), ("1e20", "100000000000000000000"), ("123456.789", "123456.789"),
            ("0.000001", "0.000001"), ("1e-7", "1e-7"), ("-2.5e-10", "-2.5e-10"), ("1.5e300", "1.5e+300"),
        ]
        for (written, canonical) in spellings {
            let x = try #require(Double(written))
            #expect(CanonicalNumber.format(x) == canonical, "\(written)")
            #expect(JSONValue.double(x).canonicalText == canonical, "\(written)")
        }
        // Integers stay exact (64-bit seeds must survive).
        #expect(JSONValue.integer(UInt64.max).canonicalText == "18446744073709551615")
        #expect(JSONValue.integer(Int64.min).canonicalText == "-9223372036854775808")
    }

    @Test func objectsSortKeysAndDropWhitespace() throws {
        let a = JSONValue.object(["b": .array([.double(1.0), .bool(true), .null]), "a": .object(["y": .string("x\n"), "x": .double(0.50)])])
        #expect(a.canonicalText == #"{"a":{"x":0.5,"y":"x\n"},"b":[1,true,null]}"#)
        #expect(JSONValue.object(["é": .string("é\t")]).canonicalText == "{\"é\":\"é\\t\"}")
    }

    /// Integral doubles take a short path; it spells them as the digits of the integer.
    @Test func integralDoublesAreTheirDigits() async {
        await propertyCheck(count: 500, input: Gen.int(in: -999_999_999_999_999...999_999_999_999_999)) { n in
            #expect(CanonicalNumber.format(Double(n)) == String(n))
            #expect(CanonicalNumber.format(Double(n) + 0.5) == String(format: "%.1f", Double(n) + 0.5) || abs(n) > 1 << 52)
        }
    }

    /// Doubles of every magnitude (random bit patterns): the byte-level
    /// layout is ECMAScript's, checked against a plain reading of the rule.
    @Test func everyDoubleIsLaidOutByTheRule() async {
        await propertyCheck(count: 3000, input: Gen.uint64()) { bits in
            let x = Double(bitPattern: bits)
            guard x.isFinite else { return }
            #expect(CanonicalNumber.format(x) == Self.ecmaScript(x), "\(x)")
        }
    }

    /// Number::toString as ECMA-262 §6.1.6.1.20 states it, from Swift's shortest digits.
    static func ecmaScript(_ x: Double) -> String {
        if x == 0 { return "0" }
        if x < 0 { return "-" + ecmaScript(-x) }
        let text = "\(x)"
        let parts = text.split(separator: "e")
        let mantissa = String(parts[0])
        let exp = parts.count > 1 ? Int(parts[1])! : 0
        let pieces = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let whole = String(pieces[0]), fraction = pieces.count > 1 ? String(pieces[1]) : ""
        var digits = Array(whole + fraction)
        var n = whole.count + exp
        while digits.first == "0" { digits.removeFirst(); n -= 1 }
        while digits.last == "0" { digits.removeLast() }
        let s = String(digits), k = digits.count
        if k <= n && n <= 21 { return s + String(repeating: "0", count: n - k) }
        if 0 < n && n <= 21 { return String(digits[..<n]) + "." + String(digits[n...]) }
        if -6 < n && n <= 0 { return "0." + String(repeating: "0", count: -n) + s }
        let e = n - 1
        return String(digits[0]) + (k > 1 ? "." + String(digits[1...]) : "") + "e" + (e < 0 ? "-" : "+") + String(abs(e))
    }

    /// The bytes a trial id hashes, written directly, are the canonical text
    /// of the config's JSON object written through `JSONValue` (the reference
    /// spelling), for every field set to another value in turn.
    @Test func identityBytesAreTheCanonicalTextOfTheConfigObject() throws {
        var full = TrialConfig()
        full.alpha = 0.1
        full.lr = 1e-7
        full.seed = 12_345_678_901
        full.namedSteps = [1, 10, 100]
        full.dataFile = "/tmp/a \"quoted\"\tname.csv"
        full.noiseStd = 0.25
        var largest = full
        largest.seed = UInt64.max
        largest.width = Int.max
        var configs = [TrialConfig(), full, largest]
        for field in TrialConfig.Field.allCases {
            let other = try ConfigFieldTableTests.otherValue(field, in: full)
            configs.append(try TrialConfig(json: full.jsonObject.merging([field.rawValue: other]) { $1 }))
        }
        for config in configs {
            let reference = JSONValue.object(config.jsonObject).canonicalText
            #expect(config.canonicalText == reference)
            #expect(String(decoding: config.identityBytes, as: UTF8.self) == config.identityText)
            #expect(TrialID(config: config).rawValue == CanonicalJSON.sha256Hex(config.normalized().identityText))
        }
        // An id `oversweep run examples/quick.yaml` recorded before the direct writer existed.
        let quick = #"{"seed":0,"dtype":"float64","data":"sphere_teacher","dim":16,"n_train":128,"n_test":512,"margin":0.0,"label_flip":0.0,"separation":0.1,"clusters":4,"test_fraction":0.2,"width":32,"depth":2,"residual":false,"theta":1.0,"input_layer":"trainable","output_layer":"trainable","outputs":1,"bias":false,"bias_init_std":0.0,"activation":"leaky","alpha":-1.0,"rescaled":false,"smoothing":1.0,"init":"he","train":"all","loss":"logistic","reduction":"mean","optimizer":"gd","lr":0.5,"lr_scaling":"constant","batch_size":32,"momentum":0.0,"weight_decay":0.0,"lr_decay_every":0,"lr_decay_factor":0.1,"steps":200,"metrics":"basic","named_steps":[20,30,100,200,300,1000]}"#
        let config = try JSONDecoder().decode(TrialConfig.self, from: Data(quick.utf8))
        #expect(TrialID(config: config).rawValue == "6becfd9d4ed10e138759201798b23916e763aca5876e0642e48049d0d02923a4")
    }

    /// Any finite double: its canonical spelling reads back to the same double.
    @Test func doublesRoundTrip() async {
        await propertyCheck(count: 500, input: Gen.double(in: -1e12...1e12), Gen.int(in: -30...30)) { x, shift in
            let scaled = x * pow(10, Double(shift))
            guard scaled.isFinite else { return }
            #expect(Double(CanonicalNumber.format(scaled)) == scaled)
        }
    }

    /// Random JSON trees: canonical text is JSON that Foundation reads back to
    /// the same value, with keys in order and no whitespace.
    @Test func randomTreesAreValidJSON() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            var rng = SplitMix(seed: seed)
            let value = Self.randomJSON(&rng, depth: 0)
            let text = value.canonicalText
            let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
            #expect(parsed.map { Self.same($0, value) } == true, "\(text)")
        }
    }

    /// Whether Foundation's reading of canonical text is this value.
    static func same(_ any: Any, _ v: JSONValue) -> Bool {
        switch v {
        case .null: return any is NSNull
        case .bool(let b): return (any as? NSNumber)?.boolValue == b
        case .number(let s):
            // Foundation's reader is not always correctly rounded (nor exact
            // for subnormals): compare to the last bits, not bit for bit.
            guard let x = (any as? NSNumber)?.doubleValue, let y = Double(s) else { return false }
            return abs(x - y) <= 1e-12 * abs(y) || abs(y) < 1e-300
        case .string(let s): return (any as? String) == s
        case .array(let items):
            guard let a = any as? [Any], a.count == items.count else { return false }
            return zip(a, items).allSatisfy { same($0, $1) }
        case .object(let members):
            guard let o = any as? [String: Any], o.count == members.count else { return false }
            return members.allSatisfy { k, v in o[k].map { same($0, v) } ?? false }
        }
    }

    static func randomJSON(_ rng: inout SplitMix, depth: Int) -> JSONValue {
        switch rng.next() % (depth > 3 ? 5 : 7) {
        case 0: return .null
        case 1: return .bool(rng.next() % 2 == 0)
        case 2: return .integer(Int64(bitPattern: rng.next()) >> Int64(rng.next() % 60))
        case 3: return .double(Double(bitPattern: rng.next() >> 2) * (rng.next() % 2 == 0 ? 1 : -1))
        case 4:
            let chars: [Character] = ["a", "é", "\"", "\\", "\n", "\u{01}", "😀", " ", "z"]
            return .string(String((0..<(rng.next() % 6)).map { _ in chars[Int(rng.next() % UInt64(chars.count))] }))
        case 5: return .array((0..<(rng.next() % 4)).map { _ in randomJSON(&rng, depth: depth + 1) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<(rng.next() % 4) { members["k\(rng.next() % 10)"] = randomJSON(&rng, depth: depth + 1) }
            return .object(members)
        }
    }
}
