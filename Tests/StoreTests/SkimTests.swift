import Foundation
import PropertyBased
import TestSupport
import Testing
import TrialContract
@testable import Store

/// The number paths of `JSONScanner`, format 3's curves, and the validating
/// skim `status` and `report` read lines with: each against the reader it
/// stands in for.
@Suite struct SkimTests {
    // MARK: Numbers

    /// Doubles of every magnitude (random bit patterns), written as the
    /// writer writes them, read back to the same bits.
    @Test func doublesReadBackBitForBit() async {
        await propertyCheck(count: 2000, input: Gen.uint64()) { bits in
            let x = Double(bitPattern: bits)
            guard x.isFinite else { return }
            var w = JSONWriter()
            w.double(x)
            var r = JSONScanner(w.bytes)
            let back = r.double()
            #expect(back?.bitPattern == x.bitPattern, "\(x) read back as \(String(describing: back))")
        }
        for x in [0.0, -0.0, 0.1, 1e-5, .leastNonzeroMagnitude, 2.2250738585072014e-308, .greatestFiniteMagnitude, 9007199254740992, 123456789012345.6] {
            var w = JSONWriter()
            w.double(x)
            var r = JSONScanner(w.bytes)
            #expect(r.double()?.bitPattern == x.bitPattern)
        }
    }

    /// Random number texts (valid and not): `double()` gives what
    /// `Double(text)` gives, and `skipDouble()` says yes exactly when
    /// `double()` returns a value; likewise `int()`/`skipInt()` and `Int(text)`.
    @Test func numberTextsReadAsTheStandardLibraryReadsThem() async {
        await propertyCheck(count: 3000, input: Gen.uint64()) { seed in
            var rng = SplitMix(seed: seed)
            let text = Self.numberText(&rng)
            let bytes = Array(text.utf8) + Array(",".utf8)
            var a = JSONScanner(bytes), b = JSONScanner(bytes), c = JSONScanner(bytes), d = JSONScanner(bytes)
            let parsed = a.double()
            let skimmed = b.skipDouble()
            #expect((parsed != nil) == skimmed, "\(text): double \(String(describing: parsed)), skip \(skimmed)")
            // Where the whole text is one number, the value is the standard library's.
            let whole = a.consume(",")
            #expect(whole == b.consume(","))
            if let parsed, whole { #expect(parsed.bitPattern == Double(text)?.bitPattern, "\(text)") }
            let int = c.int()
            #expect((int != nil) == d.skipInt(), "\(text)")
            if let int, c.consume(",") { #expect(Int(text) == int, "\(text)") }
        }
    }

    /// Arrays of random number texts (valid and not, some long runs of
    /// digits): the fast array skim counts exactly what the general one does,
    /// and stops at the same byte.
    @Test func numberArraysSkimAsTheGeneralPathDoes() async {
        await propertyCheck(count: 3000, input: Gen.uint64()) { seed in
            var rng = SplitMix(seed: seed)
            let items = (0..<Int.random(in: 0...6, using: &rng)).map { _ in Self.numberText(&rng) }
            let separator = Int.random(in: 0..<8, using: &rng) == 0 ? ", " : ","
            let text = "[" + items.joined(separator: separator) + "]" + (Bool.random(using: &rng) ? "," : "")
            var fast = JSONScanner(Array(text.utf8)), general = JSONScanner(Array(text.utf8))
            #expect(fast.skipDoubleArray() == general.arraySkim { $0.skipDouble() }, "\(text)")
            #expect(fast.peek() == general.peek(), "\(text)")
        }
    }

    /// Digits, a point, an exponent, in random lengths (some past the double
    /// range, some with leading zeros or other slips).
    static func numberText(_ rng: inout SplitMix) -> String {
        func digits(_ n: Int) -> String { String((0..<n).map { _ in "0123456789".randomElement(using: &rng)! }) }
        var s = Bool.random(using: &rng) ? "-" : ""
        s += Int.random(in: 0..<4, using: &rng) == 0 ? "0" : String("123456789".randomElement(using: &rng)!) + digits(Int.random(in: 0...20, using: &rng))
        if Bool.random(using: &rng) { s += "." + digits(Int.random(in: 0...22, using: &rng)) }
        if Int.random(in: 0..<3, using: &rng) == 0 {
            s += ["e", "E"].randomElement(using: &rng)! + ["", "+", "-"].randomElement(using: &rng)! + digits(Int.random(in: 0...3, using: &rng))
        }
        if Int.random(in: 0..<10, using: &rng) == 0 { s.insert(contentsOf: ["0", ".", "-", "x"].randomElement(using: &rng)!, at: s.startIndex) }
        return s
    }

    @Test func theEdgeOfTheDoubleRangeIsJudgedByValue() {
        for (text, finite) in [("1.7976931348623157e308", true), ("1.7976931348623158e308", true), ("1.7976931348623159e308", false),
                               ("179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791.9", false),
                               ("1e308", true), ("10e308", false), ("0.1e309", true), ("1e-400", true), ("-1e309", false), ("0.000e999", true)] {
            var a = JSONScanner(Array(text.utf8)), b = JSONScanner(Array(text.utf8))
            #expect((a.double() != nil) == finite && b.skipDouble() == finite, "\(text)")
        }
    }

    // MARK: Format 3

    /// A realistic record, one curve on its own steps, a diverged one, a failed one (no curves).
    static func records() -> [TrialRecord] {
        var rs = [0, 1, 49, 96].map { SyntheticRecords.realistic(index: $0, prefix: "skim") }
        rs[1].result.curves["test_error"] = Curve(steps: [0, 10, 300], values: [0.5, 0.25, 0.125])
        rs[1].halving = HalvingTag(bracket: 1, rung: 2, budget: 300, promotedFrom: TrialID(rawValue: "skim-0"))
        rs[1].result.stop = .zeroTrainError
        return rs
    }

    @Test func version3KeepsEveryCurveExactlyInLessSpace() throws {
        for r in Self.records() {
            let v3 = try LineCodec.encode(r)
            let v2 = try LineCodec.encode(r, formatVersion: 2)
            #expect(try LineCodec.decodeRecord(Data(v3.dropLast())) == r)
            #expect(try LineCodec.decodeRecord(Data(v2.dropLast())) == r)
            #expect(try LineCodec.decodeRecordWithFoundation(Data(v3.dropLast())) == r)
            #expect(LineCodec.verify(Array(v3.dropLast())) == .valid)
            if !r.result.curves.isEmpty { #expect(v3.count < v2.count) }
            let text = String(decoding: v3, as: UTF8.self)
            #expect(text.contains(#""curve_steps":["#) == !r.result.curves.isEmpty)
        }
        let odd = String(decoding: try LineCodec.encode(Self.records()[1]), as: UTF8.self)
        #expect(odd.contains(#""test_error":{"steps":[0,10,300],"values":[0.5,0.25,0.125]}"#))
        #expect(odd.contains(#""train_loss":[1.00075,"#))
    }

    @Test func bareValuesNeedTheSharedStepsOfTheirLength() throws {
        let r = Self.records()[0]
        let text = String(decoding: try LineCodec.encode(r).dropLast(), as: UTF8.self)
        let noSteps = text.replacingOccurrences(of: #""curve_steps":[0,1,2,3,4,5,6,8,10,13,16,20,25,30,32,40,50,63,79,100,126,158,200],"#, with: "")
        let shortSteps = text.replacingOccurrences(of: #""curve_steps":[0,1,2,"#, with: #""curve_steps":[0,1,"#)
        #expect(noSteps != text && shortSteps != text)
        for bad in [noSteps, shortSteps] {
            #expect(RecordReader.read(Array(bad.utf8)) == nil)
            #expect(throws: (any Error).self) { try LineCodec.decodeRecordWithFoundation(Data(bad.utf8)) }
            var skim = RecordSkimmer(.counts)
            #expect(skim.read(Array(bad.utf8)) == nil)
        }
    }

    // MARK: The skim against the reader

    /// Random edits of real lines (both curve forms, every optional member):
    /// the skim accepts a line exactly when `RecordReader` does, and reads the
    /// same id, sub-sweep and status (and in report mode the same metrics,
    /// config, message, steps and wanted curves). One skimmer serves every
    /// case, so its remembered config members are exercised too.
    @Test func theSkimAcceptsExactlyWhatTheRecordReaderAccepts() async throws {
        let lines = try Self.records().flatMap { r in [try LineCodec.encode(r), try LineCodec.encode(r, formatVersion: 2)] }
            .map { Array($0.dropLast()) }
        let alphabet = Array(#"{}[]":,-+0123456789.eE \ntruefalsnul\"#.utf8)
        let tokens = [#"1e400"#, #"1.8e308"#, #"-0"#, #"0e5"#, #"1E+2"#, #"0.5"#, #"null"#, #""""#, #""x""#, #"[]"#, #"{}"#,
                      #""é""#, "\u{212A}", #""width":7,"#, #""relu""#, #""seed":1,"#, #"99999999999999999999"#]
        nonisolated(unsafe) var counts = RecordSkimmer(.counts)
        nonisolated(unsafe) var report = RecordSkimmer(.report(curves: ["train_loss", "test_error"]))
        nonisolated(unsafe) var accepted = 0, refused = 0
        await propertyCheck(count: 3000, input: Gen.uint64()) { seed in
            var rng = SplitMix(seed: seed)
            var line = lines[Int(seed % UInt64(lines.count))]
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let at = Int.random(in: 0..<line.count, using: &rng)
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: line[at] = alphabet.randomElement(using: &rng)!
                case 1: line.insert(alphabet.randomElement(using: &rng)!, at: at)
                case 2: line.removeSubrange(at..<min(line.count, at + Int.random(in: 1...12, using: &rng)))
                case 3: line.insert(contentsOf: Array(tokens.randomElement(using: &rng)!.utf8), at: at)
                default:  // a copy of a stretch of the line elsewhere (repeated members, names)
                    let from = Int.random(in: 0..<line.count, using: &rng)
                    line.insert(contentsOf: line[from..<min(line.count, from + Int.random(in: 1...40, using: &rng))], at: at)
                }
                if line.isEmpty { line = [UInt8(ascii: "{")] }
            }
            let full = RecordReader.read(line)
            let c = counts.read(line)
            let rep = report.read(line)
            #expect((full != nil) == (c != nil) && (full != nil) == (rep != nil),
                    "reader \(full != nil), skim \(c != nil), report skim \(rep != nil): \(String(decoding: line, as: UTF8.self))")
            if let full, let c, let rep {
                accepted += 1
                #expect(c.id == full.id && c.sweep == full.sweep && c.status == full.status)
                var expected = full
                expected.result.curves = full.result.curves.filter { ["train_loss", "test_error"].contains($0.key) }
                #expect(rep.record == expected)
                #expect(Set(rep.curveNames) == Set(full.result.curves.keys))
            } else {
                refused += 1
            }
        }
        // Both outcomes were exercised.
        #expect(accepted > 100 && refused > 100, "accepted \(accepted), refused \(refused)")
    }

    @Test func unmutatedLinesSkimToTheirRecords() throws {
        var skim = RecordSkimmer(.report(curves: ["train_loss"]))
        for r in Self.records() {
            for v in [2, 3] {
                let got = try #require(skim.read(Array(try LineCodec.encode(r, formatVersion: v).dropLast())))
                var expected = r
                expected.result.curves = r.result.curves.filter { $0.key == "train_loss" }
                #expect(got.id == r.id && got.status == r.status && got.record == expected)
            }
        }
    }

    /// The config skimmer alone, against `TrialConfig.scan`, over edits of
    /// config texts (one skimmer throughout, so remembered members are reused).
    @Test func theConfigSkimmerJudgesAsTheConfigReader() async throws {
        let configs = Self.records().map(\.config)
        let texts = try configs.map { c in var w = JSONWriter(); try c.write(to: &w); return w.bytes }
        let alphabet = Array(#"{}[]":,-0123456789.eE truefalsnul"#.utf8)
        nonisolated(unsafe) var skimmer = ConfigSkimmer()
        await propertyCheck(count: 3000, input: Gen.uint64()) { seed in
            var rng = SplitMix(seed: seed)
            var text = texts[Int(seed % UInt64(texts.count))]
            for _ in 0..<Int.random(in: 0...2, using: &rng) {
                let at = Int.random(in: 0..<text.count, using: &rng)
                if Bool.random(using: &rng) { text[at] = alphabet.randomElement(using: &rng)! } else { text.remove(at: at) }
                if text.isEmpty { text = [UInt8(ascii: "{")] }
            }
            var a = JSONScanner(text), b = JSONScanner(text), c = JSONScanner(text)
            let scanned = TrialConfig.scan(&a)
            let read = scanned != nil && a.atEnd()
            let skimmed = skimmer.skim(&b) && b.atEnd()
            #expect(read == skimmed, "\(String(decoding: text, as: UTF8.self))")
            // Read through the remembered members: the same config.
            let converted = skimmer.read(&c)
            #expect((converted != nil && c.atEnd()) == read && (!read || converted == scanned), "\(String(decoding: text, as: UTF8.self))")
        }
    }
}
