import Foundation
import TestSupport
import Testing
import TrialContract
@testable import Store

/// Spec revisions in the store: appended under the write lock when the
/// caller's decision says so, read back by every reader, never appended twice.
@Suite struct RevisionTests {
    @Test func aRevisionIsAppendedOnceAndReadBack() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.jsonl").path
        let first = SyntheticRecords.header(specHash: "spec-a")
        let store = try ResultStore.open(path: path, creating: first)
        for i in 0..<3 { try store.append(SyntheticRecords.make(index: i)) }
        try store.close()

        var grown = SyntheticRecords.header(specHash: "spec-b")
        grown.spec = "name: synthetic\n# grown\n"
        grown.dataFiles = [DataFileRecord(written: "d.csv", path: "/x/d.csv", sha256: String(repeating: "1f", count: 32), rows: 9, columns: 3)]
        let revision = grown.revision
        let seen = LockedBox<SpecRevision?>(nil)
        let decide: @Sendable (SpecRevision) throws -> SpecRevision? = { latest in
            seen.value = latest
            return revision
        }
        let reopened = try ResultStore.open(path: path, creating: grown, options: StoreOptions(reviseSpec: decide))
        #expect(seen.value?.specHash == "spec-a" && seen.value?.line == 1)
        #expect(reopened.appendedRevision?.line == 5 && reopened.revisions.map(\.specHash) == ["spec-a", "spec-b"])
        try reopened.append(SyntheticRecords.make(index: 3))
        try reopened.close()

        let file = try ResultFile.load(path: path)
        #expect(file.problems.isEmpty && file.records.count == 4)
        #expect(file.revisions.map(\.specHash) == ["spec-a", "spec-b"] && file.latestRevision?.line == 5)
        #expect(file.latestRevision?.dataFiles == grown.dataFiles && file.latestRevision?.spec == grown.spec)
        #expect(file.header.specHash == "spec-a", "the header stays the file's first spec")

        // The latest revision matches: no decision asked, nothing appended.
        let before = try TestFiles.bytes(path)
        seen.value = nil
        let again = try ResultStore.open(path: path, creating: grown, options: StoreOptions(reviseSpec: decide))
        try again.close()
        let after = try TestFiles.bytes(path)
        #expect(seen.value == nil && after == before)

        // A refusal leaves the file as it was.
        let other = SyntheticRecords.header(specHash: "spec-c")
        let refuse: @Sendable (SpecRevision) throws -> SpecRevision? = { _ in throw StoreError(.specMismatch, path: path, "no") }
        #expect(throws: StoreError.self) { try ResultStore.open(path: path, creating: other, options: StoreOptions(reviseSpec: refuse)) }
        #expect(try TestFiles.bytes(path) == before)
    }
}

/// A value shared with a `@Sendable` closure in a test.
final class LockedBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
