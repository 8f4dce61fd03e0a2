import Foundation
import PropertyBased
import TestSupport
import Testing
import TrialContract
@testable import Store

/// Result lines made to hurt: longer than any record, checksummed but not a
/// record, random bytes. Reading counts them as unreadable; nothing is held
/// without bound and nothing crashes.
@Suite struct CraftedLineTests {
    @Test func linesPastTheLimitAreReportedWithoutBeingHeld() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let limit = 100_000
        // Lengths around the limit, one that grows the 64 KiB buffer, one far past it, a last one unterminated.
        let lengths = [10, limit, 70_000, limit + 1, 5, 350_000, 3, limit + 7]
        var bytes: [UInt8] = []
        for (i, n) in lengths.enumerated() {
            bytes += [UInt8](repeating: UInt8(ascii: "a") + UInt8(i), count: n)
            if i < lengths.count - 1 { bytes.append(0x0A) }
        }
        let path = dir.appendingPathComponent("long.jsonl").path
        try TestFiles.write(bytes, to: path)
        let log = try FileLineLog(path: path, writable: false, maxLineLength: limit)
        var seen: [(number: Int, offset: UInt64, length: Int, overlong: Bool, terminated: Bool, end: UInt64)] = []
        try log.read { line in
            #expect(line.bytes.count <= limit)
            if line.overlongLength == nil { #expect(line.bytes.allSatisfy { $0 == line.bytes.first }) }
            seen.append((line.number, line.offset, line.length, line.overlongLength != nil, line.terminated, line.end))
        }
        #expect(seen.map(\.length) == lengths)
        #expect(seen.map(\.overlong) == lengths.map { $0 > limit })
        #expect(seen.map(\.number) == Array(1...lengths.count))
        #expect(seen.map(\.terminated) == lengths.indices.map { $0 < lengths.count - 1 })
        var offset: UInt64 = 0
        for line in seen {
            #expect(line.offset == offset)
            offset = line.end
        }
        #expect(offset == UInt64(bytes.count))
    }

    @Test func aLongLineIsAProblemForEveryReader() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try makeStoreFile(in: dir, count: 3)
        try Self.append([UInt8](repeating: UInt8(ascii: "x"), count: FileLineLog.maxLineLength + 1) + [0x0A]
                        + LineCodec.encode(SyntheticRecords.make(index: 9)), to: path)
        let (_, records, problems) = try ResultFile.read(path: path)
        #expect(records.count == 4)
        #expect(problems.map(\.kind) == [.tooLong] && problems.first?.line == 5 && problems.first?.length == FileLineLog.maxLineLength + 1)
        let summary = try ResultFile.summary(path: path)
        #expect(summary.trialLines == 4 && summary.problems == problems)
        #expect(try ResultFile.index(path: path).ids.count == 4)
    }

    /// A line that passes its checksum but is no record: status, export and
    /// the other readers all call it unreadable.
    @Test func aChecksummedButUndecodableRecordIsUnreadableEverywhere() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try makeStoreFile(in: dir, count: 2)
        try Self.append(Self.undecodableLine(), to: path)
        let read = try ResultFile.read(path: path)
        let summary = try ResultFile.summary(path: path)
        #expect(read.records.count == 2 && summary.trialLines == 2 && summary.distinctTrials == 2)
        #expect(read.problems.map(\.kind) == [.undecodable] && summary.problems.map(\.kind) == [.undecodable])
    }

    static func append(_ bytes: [UInt8], to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(bytes))
        try handle.close()
    }

    /// A trial line whose status is not one this version knows, sealed with a valid checksum.
    static func undecodableLine() -> [UInt8] {
        LineCodec.sealed(Array(#"{"kind":"trial","id":"forged","sweep":"","status":"winner","metrics":{}}"#.utf8))
    }

    /// Random edits of real lines, re-sealed so they pass the checksum and
    /// reach the decoders; and the same edits unsealed. Never a crash.
    @Test func mutatedLinesNeverCrashTheReaders() async throws {
        let header = LineCodec.encode(SyntheticRecords.header())
        let record = Array(try LineCodec.encode(SyntheticRecords.make(index: 5)).dropLast())
        let body = Array(record.prefix(record.count - LineCodec.checksumSuffixLength)) + [UInt8(ascii: "}")]
        let alphabet = Array(#"{}[]":,-0123456789.eE\ntruefalsnul"#.utf8)
        await propertyCheck(count: 500, input: Gen.uint64()) { seed in
            var rng = SplitMix(seed: seed)
            var line = body
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let at = Int.random(in: 0..<line.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: line[at] = alphabet.randomElement(using: &rng)!
                case 1: line.insert(UInt8.random(in: 0...255, using: &rng), at: at)
                default: line.removeSubrange(at..<min(line.count, at + Int.random(in: 1...30, using: &rng)))
                }
                if line.isEmpty { line = [UInt8(ascii: "}")] }
            }
            if line.last != UInt8(ascii: "}") { line.append(UInt8(ascii: "}")) }
            let sealed = LineCodec.sealed(line)
            let raw = line + [0x0A]
            let log = MemoryLineLog(bytes: header + sealed + raw + Array(record.prefix(Int.random(in: 0...record.count, using: &rng))))
            do {
                let (_, records, problems) = try ResultFile.read(log: log, path: "fuzz")
                #expect(records.count + problems.count >= 2)
            } catch let e as StoreError {
                Issue.record("the header is intact, so the file should read: \(e)")
            } catch {
                Issue.record("not a StoreError: \(error)")
            }
        }
    }
}
