import Foundation
import PropertyBased
import TestSupport
import Testing
@testable import Sweep

@Suite struct CanonicalJSONTests {
    @Test func numbersHaveOneSpelling() throws {
        let spellings: [(String, String)] = [
            ("0.1", "0.1"), ("0.10", "0.1"), ("1e-1", "0.1"), ("1E-1", "0.1"), ("0.100e0", "0.1"),
            ("1", "1"), ("1.0", "1"), ("1e0", "1"), ("10e-1", "1"), ("-0", "0"), ("-0.0", "0"),
            ("1e21", "1e+21"), ("1e20", "100000000000000000000"), ("123456.789", "123456.789"),
            ("0.000001", "0.000001"), ("1e-7", "1e-7"), ("-2.5e-10", "-2.5e-10"), ("1.5e300", "1.5e+300"),
            ("18446744073709551615", "18446744073709551615"), ("-9223372036854775808", "-9223372036854775808"),
        ]
        for (written, canonical) in spellings {
            #expect(try JSONValue.parse(written).canonicalText == canonical, "\(written)")
        }
    }

    @Test func objectsSortKeysAndDropWhitespace() throws {
        let a = try JSONValue.parse(#"{ "b": [1.0, true, null], "a": {"y": "x\n", "x": 0.50} }"#)
        let b = try JSONValue.parse(#"{"a":{"x":0.5,"y":"x\n"},"b":[1,true,null]}"#)
        #expect(a == b)
        #expect(a.canonicalText == #"{"a":{"x":0.5,"y":"x\n"},"b":[1,true,null]}"#)
        #expect(try CanonicalJSON.text(json: #"{"é":"\u00e9\t"}"#) == "{\"é\":\"é\\t\"}")
    }

    @Test func malformedJSONIsRefusedWithAnOffset() {
        for bad in ["", "{", "[1,]", "01", "1.", "{\"a\" 1}", "\"x", "nul", "[1] 2", "{\"a\":1,\"a\":2}"] {
            #expect(throws: JSONValue.ParseError.self, "\(bad)") { try JSONValue.parse(bad) }
        }
    }

    /// Any finite double: its canonical spelling reads back to the same double,
    /// and other spellings of the same value (exponent form, padded zeros)
    /// canonicalise to the same bytes.
    @Test func doublesRoundTripAndRespellingsAgree() async {
        await propertyCheck(count: 500, input: Gen.double(in: -1e12...1e12), Gen.int(in: -30...30)) { x, shift in
            let scaled = x * pow(10, Double(shift))
            guard scaled.isFinite else { return }
            let canonical = CanonicalNumber.format(scaled)
            #expect(Double(canonical) == scaled)
            let respellings = [
                String(format: "%.17g", scaled), String(format: "%.17e", scaled),
                "\(scaled)", "\(scaled)".replacingOccurrences(of: "e", with: "000e"),
            ]
            // Integer literals stay exact integers (64-bit seeds must survive), so only decimal/exponent spellings here.
            for text in respellings where Double(text) == scaled && (text.contains(".") || text.contains("e")) {
                let json = text.hasPrefix(".") ? "0" + text : text
                if let v = try? JSONValue.parse(json) { #expect(v.canonicalText == canonical, "\(text)") }
            }
        }
    }

    /// Random JSON trees: canonical text parses back to an equal value whose
    /// canonical text is the same bytes (canonicalisation is idempotent).
    @Test func randomTreesRoundTrip() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            var rng = SplitMix(seed: seed)
            let value = Self.randomJSON(&rng, depth: 0)
            let text = value.canonicalText
            let again = try? JSONValue.parse(text)
            #expect(again == value)
            #expect(again?.canonicalText == text)
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
