import Foundation
import Sweep
import TestSupport
import Testing
import TrialContract
@testable import Store

@Suite struct MergeTests {
    /// Random record sets drawn from a small id pool, so duplicates (identical
    /// and conflicting, with different timings) are common.
    static func randomRecords(_ rng: inout SplitMix, pool: Int = 12) -> [TrialRecord] {
        (0..<Int.random(in: 0...10, using: &rng)).map { _ in
            var r = SyntheticRecords.make(index: Int.random(in: 0..<pool, using: &rng))
            if Bool.random(using: &rng) { r.worker = "w\(Int.random(in: 0..<100, using: &rng))" }
            if Int.random(in: 0..<4, using: &rng) == 0 { r.result.metrics["test_error"] = Double(Int.random(in: 0..<3, using: &rng)) }
            return r
        }
    }

    static func set(_ r: [TrialRecord]) -> Set<TrialRecord> { Set(r) }

    func merged(_ inputs: [[TrialRecord]], _ prefer: MergePreference) -> [TrialRecord] {
        var s = MergeSummary()
        return ResultMerge.merge(inputs.enumerated().map { ("in\($0.offset)", $0.element) }, prefer: prefer, summary: &s)
    }

    @Test(arguments: [MergePreference.first, .last])
    func mergeIsAssociativeAndIdempotent(prefer: MergePreference) {
        var rng = SplitMix(seed: prefer == .first ? 1 : 2)
        for _ in 0..<300 {
            let a = Self.randomRecords(&rng), b = Self.randomRecords(&rng), c = Self.randomRecords(&rng)
            let left = merged([merged([a, b], prefer), c], prefer)
            let right = merged([a, merged([b, c], prefer)], prefer)
            #expect(Self.set(left) == Self.set(right))
            #expect(Set(left.map(\.id)).count == left.count, "one record per id")
            let once = merged([a], prefer)
            #expect(Self.set(merged([once, once], prefer)) == Self.set(once))
        }
    }

    @Test func duplicatesAreCountedAndConflictsReported() {
        let a = SyntheticRecords.make(index: 1)
        var sameOutcome = a
        sameOutcome.worker = "elsewhere"
        sameOutcome.result.timing.seconds = 99
        var conflicting = a
        conflicting.result.metrics["test_error"] = 0.5
        var s = MergeSummary()
        let first = ResultMerge.merge([("A", [a]), ("B", [sameOutcome]), ("C", [conflicting])], prefer: .first, summary: &s)
        #expect(first == [a])
        #expect(s.identicalDuplicates == 1 && s.conflicts.count == 1)
        #expect(s.conflicts[0].description.contains("test_error") && s.conflicts[0].otherSource == "C")
        var s2 = MergeSummary()
        #expect(ResultMerge.merge([("A", [a]), ("C", [conflicting])], prefer: .last, summary: &s2) == [conflicting])
    }

    @Test func mergingFilesWritesAtomicallyAndAFileWithItselfIsUnchanged() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try makeStoreFile(in: dir, name: "a.jsonl", count: 30)
        let out = dir.appendingPathComponent("out.jsonl").path
        let summary = try ResultMerge.mergeFiles([a, a], into: out, prefer: .fail, allowMixed: false)
        #expect(summary.written == 30 && summary.identicalDuplicates == 30 && summary.conflicts.isEmpty)
        #expect(try TestFiles.bytes(out) == TestFiles.bytes(a), "merge(a, a) = a, byte for byte")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test func differentSweepsNeedAllowMixed() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try makeStoreFile(in: dir, name: "a.jsonl", count: 3)
        let b = try makeStoreFile(in: dir, name: "b.jsonl", count: 3, prefix: "u", header: SyntheticRecords.header(name: "other", specHash: "ffff"))
        let out = dir.appendingPathComponent("out.jsonl").path
        let e = #expect(throws: StoreError.self) { try ResultMerge.mergeFiles([a, b], into: out, prefer: .first, allowMixed: false) }
        #expect(e?.code == .mergeConflict)
        #expect(!FileManager.default.fileExists(atPath: out))
        let s = try ResultMerge.mergeFiles([a, b], into: out, prefer: .first, allowMixed: true)
        #expect(s.written == 6)
        let read = try ResultFile.read(path: out)
        #expect(read.header.specHash == "mixed:synthetic,ffff" && read.header.sweepName == "synthetic+other")
    }
}
