import Foundation
import Sweep
import TestSupport
import Testing
import TrialContract
@testable import Store

@Suite struct CodecTests {
    /// The folding path (PCLMULQDQ) and slicing-by-8 agree on every length,
    /// alignment and seed, and folding is what runs on this machine's CPU.
    @Test func foldingAgreesWithSlicingByEight() {
        #if arch(x86_64)
        #expect(CRC32.canFold, "this x86-64 CPU lacks PCLMULQDQ/SSE4.1: the fast path is not being tested")
        #endif
        var rng = SplitMix(seed: 5)
        let data = (0..<(1 << 20) + 77).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        guard CRC32.canFold else { return }  // (the expectation above fails on x86-64)
        data.withUnsafeBytes { all in
            for length in Array(0...300) + [1023, 1024, 4096 + 15, 100_000, all.count - 3] {
                for offset in [0, 1, 7, 13] where offset + length <= all.count {
                    let slice = UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)])
                    let seed = UInt32(truncatingIfNeeded: rng.next())
                    #expect(CRC32.checksum(slice, seed: seed, fold: true) == CRC32.checksum(slice, seed: seed, fold: false),
                            "length \(length) offset \(offset)")
                }
            }
        }
    }

    @Test func crc32MatchesTheStandardCheckValue() {
        // The CRC-32/ISO-HDLC check value (zlib.crc32(b"123456789")).
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        // Chaining equals one pass, at every split point (slicing-by-8 tail handling).
        let bytes = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        let whole = CRC32.checksum(bytes)
        for split in 0...bytes.count {
            let a = Array(bytes[..<split]), b = Array(bytes[split...])
            let chained = b.withUnsafeBytes { CRC32.checksum($0, seed: CRC32.checksum(a)) }
            #expect(chained == whole)
        }
    }

    @Test func timestampsRoundTripExactly() {
        var rng = SplitMix(seed: 7)
        for _ in 0..<20_000 {
            // 2001-08 … 2100: where a Double is coarser than two nanoseconds.
            let t = Double.random(in: 20_000_000...3_155_760_000, using: &rng)
            let d = Date(timeIntervalSinceReferenceDate: t)
            let text = Timestamp.format(d)
            #expect(Timestamp.parse(text) == d, "\(text)")
        }
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000000000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 951_782_400.5)) == "2000-02-29T00:00:00.500000000Z")
        #expect(Timestamp.parse("2026-11-23T17:38:12.5Z") == Timestamp.parse("2026-11-23T17:38:12.500000000Z"))
        #expect(Timestamp.parse("2026-11-23T17:38:12Z")?.timeIntervalSince1970 == 1_795_455_492)
        #expect(Timestamp.parse("2026-11-23 17:38") == nil)
        #expect(Timestamp.parse("2026-13-23T17:38:12Z") == nil)
    }

    @Test func aRecordRoundTripsExactlyIncludingArbitraryDoubles() throws {
        var rng = SplitMix(seed: 42)
        for i in 0..<300 {
            var r = SyntheticRecords.make(index: i)
            var metrics: [String: Double] = [:]
            for k in 0..<6 {
                var v = Double(bitPattern: rng.next())
                while !v.isFinite { v = Double(bitPattern: rng.next()) }
                metrics["m\(k)"] = v
            }
            metrics["tiny"] = Double.leastNonzeroMagnitude
            metrics["huge"] = -Double.greatestFiniteMagnitude
            metrics["negzero"] = -0.0
            r.result.metrics = metrics
            r.config.lr = Double(bitPattern: rng.next() >> 2)
            r.result.message = i % 3 == 0 ? "quote \" backslash \\ newline \n tab \t bell \u{7} é ∑ 🙂" : nil
            r.startedAt = Date(timeIntervalSinceReferenceDate: Double.random(in: 1e7...1e9, using: &rng))
            let line = try LineCodec.encode(r)
            #expect(line.last == 0x0A && line.dropLast().allSatisfy { $0 != 0x0A }, "one line")
            let body = Array(line.dropLast())
            #expect(LineCodec.verify(body) == .valid)
            let back = try LineCodec.decodeRecord(Data(body))
            #expect(back == r)
            // The direct reader takes every line without an escaped string, and agrees with JSONDecoder.
            #expect((RecordReader.read(body) != nil) == (r.result.message == nil))
            #expect(back == (try LineCodec.decodeRecordWithFoundation(Data(body))))
            #expect(back.result.metrics["negzero"]?.sign == .minus)
            // Plain JSON for every other tool.
            let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
            #expect(object?["id"] as? String == r.id.rawValue)
        }
    }

    @Test func mutatedLinesNeverMakeTheDirectReaderDisagreeWithJSONDecoder() throws {
        // Whatever RecordReader accepts, the JSONDecoder path must accept with the same record.
        let body = Array(try LineCodec.encode(SyntheticRecords.make(index: 3)).dropLast())
        let alphabet = Array(#"{}[]:,"-.0123456789eE \natrufl"#.utf8)
        var rng = SplitMix(seed: 7)
        var accepted = 0
        for _ in 0..<3000 {
            var bytes = body
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let at = Int(rng.next() % UInt64(bytes.count))
                let c = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                switch rng.next() % 3 {
                case 0: bytes[at] = c
                case 1: bytes.remove(at: at)
                default: bytes.insert(c, at: at)
                }
            }
            guard let fast = RecordReader.read(bytes) else { continue }
            accepted += 1
            let slow = try? LineCodec.decodeRecordWithFoundation(Data(bytes))
            #expect(slow == fast, "\(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(accepted > 0)
    }

    @Test func nonFiniteNumbersAreRefusedNotWritten() {
        var r = SyntheticRecords.make(index: 1)
        r.result.metrics["train_loss"] = .nan
        #expect(throws: StoreError.self) { try LineCodec.encode(r) }
        r = SyntheticRecords.make(index: 1)
        r.result.curves["train_loss"]?.values[0] = .infinity
        #expect(throws: StoreError.self) { try LineCodec.encode(r) }
        r = SyntheticRecords.make(index: 1)
        r.config.lr = .infinity
        #expect(throws: StoreError.self) { try LineCodec.encode(r) }
    }

    @Test func anyFlippedByteIsDetected() throws {
        let body = Array(try LineCodec.encode(SyntheticRecords.make(index: 3)).dropLast())
        for i in stride(from: 0, to: body.count, by: 7) {
            var bad = body
            bad[i] ^= 0x04
            #expect(LineCodec.verify(bad) != .valid, "flip at \(i)")
        }
    }

    @Test func fastScansAgreeWithTheFullDecoder() throws {
        for i in 0..<50 {
            let r = SyntheticRecords.make(index: i, prefix: "scan")
            let body = Array(try LineCodec.encode(r).dropLast())
            body.withUnsafeBytes { b in
                #expect(LineCodec.fastTrialID(b) == r.id)
            }
        }
        // An id that needs escaping falls back to the full decoder.
        var odd = SyntheticRecords.make(index: 1)
        odd.id = TrialID(rawValue: "a\"b")
        let body = Array(try LineCodec.encode(odd).dropLast())
        body.withUnsafeBytes { #expect(LineCodec.fastTrialID($0) == nil) }
        #expect(try LineCodec.decodeRecord(Data(body)).id == odd.id)
    }
}
