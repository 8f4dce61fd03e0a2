import Foundation
import Sweep
import TestSupport
import Testing
import TrialContract
@testable import Store

/// The contract every `LineLog` keeps, run against the file and the memory backend.
@Suite struct LineLogContractTests {
    static func check(_ log: any LineLog, reread: () throws -> any LineLog) throws {
        try log.append(Array("first\n".utf8))
        try log.append(Array("second\nthird\n".utf8))
        var lines: [(Int, UInt64, String, Bool)] = []
        try log.read { lines.append(($0.number, $0.offset, String(decoding: $0.bytes, as: UTF8.self), $0.terminated)) }
        #expect(lines.map(\.0) == [1, 2, 3])
        #expect(lines.map(\.1) == [0, 6, 13])
        #expect(lines.map(\.2) == ["first", "second", "third"])
        var fromSecond: [String] = []
        try log.read(from: 6, firstLine: 2) { fromSecond.append(String(decoding: $0.bytes, as: UTF8.self)) }
        #expect(fromSecond == ["second", "third"])
        try log.append(Array("torn".utf8))
        var last: (String, Bool)?
        try reread().read { last = (String(decoding: $0.bytes, as: UTF8.self), $0.terminated) }
        #expect(last?.0 == "torn" && last?.1 == false)
    }

    @Test func fileLog() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("log").path
        try Self.check(try FileLineLog(path: path, writable: true, create: true)) { try FileLineLog(path: path, writable: false) }
    }

    @Test func memoryLog() throws {
        let log = MemoryLineLog()
        try Self.check(log) { log }
    }

    @Test func fileLogReadsLinesLongerThanItsBuffer() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("long").path
        let log = try FileLineLog(path: path, writable: true, create: true)
        let long = [UInt8](repeating: UInt8(ascii: "x"), count: 9 << 20)
        try log.append(Array("a\n".utf8) + long + [0x0A] + Array("b\n".utf8))
        var lengths: [Int] = []
        try log.read { lengths.append($0.bytes.count) }
        #expect(lengths == [1, long.count, 1])
    }
}

@Suite struct ResultStoreTests {
    @Test func appendIsIdempotentAndFlushIsDurable() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.jsonl").path
        // A long interval: only flush() can make these durable.
        let store = try ResultStore.open(path: path, creating: SyntheticRecords.header(), options: StoreOptions(syncInterval: 3600))
        #expect(store.recoveryReport.createdFile)
        let records = (0..<20).map { SyntheticRecords.make(index: $0) }
        for r in records { #expect(try store.append(r)) }
        #expect(try !store.append(records[3]), "same id again is not written")
        #expect(try ResultFile.finishedIDs(path: path).isEmpty, "not yet synced")
        try store.flush()
        let read = try ResultFile.read(path: path)
        #expect(read.records == records && read.problems.isEmpty)
        #expect(read.header == SyntheticRecords.header())
        try store.close()
        #expect(throws: StoreError.self) { try store.append(SyntheticRecords.make(index: 99)) }

        let resumed = try ResultStore.open(path: path, creating: SyntheticRecords.header())
        #expect(resumed.finishedIDs == Set(records.map(\.id)))
        #expect(try !resumed.append(records[0]))
        try resumed.close()
        #expect(try ResultFile.read(path: path).records.count == 20)
    }

    @Test func theSyncThreadMakesRecordsDurableWithoutFlush() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.jsonl").path
        let seen = Mutex<[TrialID]>([])
        let store = try ResultStore.open(path: path, creating: SyntheticRecords.header(),
                                         options: StoreOptions(syncInterval: 0.02, onDurable: { ids in seen.withLock { $0 += ids } }))
        let records = (0..<5).map { SyntheticRecords.make(index: $0) }
        for r in records { try store.append(r) }
        // Bounded wait for the interval-driven sync (no timing assertion: only "eventually, within 10 s").
        var waited = 0
        while seen.withLock({ $0.count }) < 5 && waited < 1000 { usleep(10_000); waited += 1 }
        #expect(seen.withLock { $0 } == records.map(\.id))
        #expect(try ResultFile.finishedIDs(path: path) == Set(records.map(\.id)), "acknowledged ⇒ on disk")
        try store.close()
    }

    @Test func aStoreOverTheMemoryLogDedupesAndReplays() throws {
        let log = MemoryLineLog()
        let store = try ResultStore.open(log: log, creating: SyntheticRecords.header(), options: StoreOptions(syncBatchRecords: 4))
        for i in [0, 1, 2, 1, 3, 4, 0] { try store.append(SyntheticRecords.make(index: i)) }
        try store.close()
        let read = try ResultFile.read(log: MemoryLineLog(bytes: log.bytes), path: "<memory>")
        #expect(read.records.map(\.id) == [0, 1, 2, 3, 4].map { SyntheticRecords.make(index: $0).id })
        let reopened = try ResultStore.open(log: MemoryLineLog(bytes: log.bytes), creating: nil)
        #expect(reopened.finishedIDs.count == 5)
        try reopened.close()
    }
}

/// A lock-protected value (Synchronization's Mutex needs macOS 15; this works everywhere).
final class Mutex<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R { lock.lock(); defer { lock.unlock() }; return body(&value) }
}
