import Foundation
import Sweep
import TestSupport
import Testing
import TrialContract
@testable import Store

/// One committed file per format version: every later build must still read
/// it, to the same records. Never regenerate an existing fixture.
@Suite struct FixtureTests {
    /// The records `Fixtures/v1.jsonl` was written with (SyntheticRecords at the time of version 1).
    static let v1Indices = [0, 1, 49, 96]

    @Test func version1ReadsToTheRecordsItWasWrittenFrom() throws {
        let path = fixturesDirectory.appendingPathComponent("v1.jsonl").path
        let (header, records, problems) = try ResultFile.read(path: path)
        #expect(problems.isEmpty)
        #expect(header.formatVersion == 1)
        #expect(header == SyntheticRecords.header())
        #expect(records.map(\.status.rawValue) == ["ok", "ok", "diverged", "failed"])
        #expect(records == Self.v1Indices.map { SyntheticRecords.make(index: $0, prefix: "fixture") })
        // Writing the same records today gives the same bytes: the format has not drifted.
        let rewritten = [LineCodec.encode(header)] + (try records.map { try LineCodec.encode($0) })
        #expect(rewritten.flatMap { $0 } == (try TestFiles.bytes(path)))
        #expect(try ResultFile.finishedIDs(path: path).count == 4)
    }
}
