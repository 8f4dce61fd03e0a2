import Foundation
import TestSupport
import Testing
import TrialContract
@testable import Store

/// `ResultTail`, the reader behind the live views: each poll reads only the
/// bytes appended since the last one, leaves a half-written line for later,
/// and starts over when the file is replaced or cut short.
@Suite struct ResultTailTests {
    static func line(_ i: Int) throws -> [UInt8] { try LineCodec.encode(SyntheticRecords.make(index: i, prefix: "tail")) }

    static func append(_ bytes: [UInt8], to path: String) throws {
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? h.close() }
        try h.seekToEnd()
        try h.write(contentsOf: Data(bytes))
    }

    @Test func readsOnlyWhatWasAppendedAndWaitsForHalfWrittenLines() throws {
        let dir = try TestFiles.scratchDirectory("oversweep-tail")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.jsonl").path
        let header = LineCodec.encode(SyntheticRecords.header(name: "tailing"))
        // Only part of the header so far: nothing yet, no error.
        try TestFiles.write(Array(header.prefix(20)), to: path)
        var tail = ResultTail(path: path)
        var batch = try tail.poll()
        #expect(tail.header == nil && batch.records.isEmpty && batch.bytesRead == 0)
        try Self.append(Array(header.dropFirst(20)), to: path)
        let first = try (0..<3).flatMap { try Self.line($0) }
        try Self.append(first, to: path)
        batch = try tail.poll()
        #expect(tail.header?.sweepName == "tailing")
        #expect(batch.records.map(\.id.rawValue) == (0..<3).map { SyntheticRecords.make(index: $0, prefix: "tail").id.rawValue })
        #expect(batch.bytesRead == UInt64(header.count + first.count))
        // A line cut in the middle is not read until its newline is there.
        let next = try Self.line(3)
        try Self.append(Array(next.prefix(next.count / 2)), to: path)
        batch = try tail.poll()
        #expect(batch.records.isEmpty && batch.problems.isEmpty && batch.bytesRead == 0)
        let fifth = try Self.line(4)
        try Self.append(Array(next.dropFirst(next.count / 2)) + fifth, to: path)
        batch = try tail.poll()
        #expect(batch.records.count == 2 && batch.bytesRead == UInt64(next.count + fifth.count))
        #expect(tail.offset == UInt64(try TestFiles.bytes(path).count) && tail.lines == 6)
        // Nothing new: nothing read.
        batch = try tail.poll()
        #expect(batch.records.isEmpty && batch.bytesRead == 0)
        // A corrupt complete line is a problem with its line number, and reading goes on past it.
        var bad = try Self.line(5)
        bad[bad.count / 2] ^= 0x20
        try Self.append(bad + (try Self.line(6)), to: path)
        batch = try tail.poll()
        #expect(batch.problems.map(\.line) == [7] && batch.problems.first?.kind == .checksumMismatch)
        #expect(batch.records.count == 1)
    }

    @Test func startsOverWhenTheFileIsReplacedOrCutShort() throws {
        let dir = try TestFiles.scratchDirectory("oversweep-tail")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.jsonl").path
        let header = LineCodec.encode(SyntheticRecords.header())
        try TestFiles.write(header + (try (0..<4).flatMap { try Self.line($0) }), to: path)
        var tail = ResultTail(path: path)
        #expect(try tail.poll().records.count == 4)
        // Replaced by a rename (what merge -o does): same size or not, read from the start.
        let other = dir.appendingPathComponent("new.jsonl").path
        try TestFiles.write(header + (try (10..<12).flatMap { try Self.line($0) }), to: other)
        #expect(rename(other, path) == 0)
        var batch = try tail.poll()
        #expect(batch.restarted && batch.records.count == 2)
        // Cut shorter than what was read.
        try TestFiles.write(header + (try Self.line(20)), to: path)
        batch = try tail.poll()
        #expect(batch.restarted && batch.records.map(\.id) == [SyntheticRecords.make(index: 20, prefix: "tail").id])
    }

    @Test func refusesWhatIsNotAResultFile() throws {
        let dir = try TestFiles.scratchDirectory("oversweep-tail")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.jsonl").path
        try TestFiles.write(Array("{\"hello\":1}\n".utf8), to: path)
        var tail = ResultTail(path: path)
        #expect(throws: StoreError.self) { try tail.poll() }
        var missing = ResultTail(path: dir.appendingPathComponent("none.jsonl").path)
        #expect { try missing.poll() } throws: { ($0 as? StoreError)?.code == .notFound }
    }
}
