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
        var expected = SyntheticRecords.header()
        expected.formatVersion = 1
        #expect(header == expected)
        #expect(records.map(\.status.rawValue) == ["ok", "ok", "diverged", "failed"])
        #expect(records == Self.v1Indices.map { SyntheticRecords.make(index: $0, prefix: "fixture") })
        // Writing the same records today gives the same bytes: the format has not drifted.
        let rewritten = [LineCodec.encode(header)] + (try records.map { try LineCodec.encode($0, formatVersion: header.formatVersion) })
        #expect(rewritten.flatMap { $0 } == (try TestFiles.bytes(path)))
        #expect(try ResultFile.finishedIDs(path: path).count == 4)
    }

    /// What `Fixtures/v2.jsonl` was written from: a header with a data file,
    /// a spec revision, records with the worker's build and BLAS kernels, one
    /// of them on file data with its digest.
    static func v2Contents() -> (header: StoreHeader, revision: SpecRevision, records: [TrialRecord]) {
        let data = DataFileRecord(written: "data/d.csv", path: "/srv/sweeps/data/d.csv",
                                  sha256: String(repeating: "0123456789abcdef", count: 4), rows: 200, columns: 5)
        var header = SyntheticRecords.header()
        header.formatVersion = 2
        header.dataFiles = [data]
        let revision = SpecRevision(sweepName: "synthetic", specHash: "synthetic-grown", spec: "name: synthetic\n# grown\n",
                                    dataFiles: [data], toolVersion: "test", gitRevision: "1d1597b-dirty",
                                    createdAt: Date(timeIntervalSinceReferenceDate: 815_000_100.5), forced: true)
        var records = [0, 1, 49, 96].map { SyntheticRecords.make(index: $0, prefix: "fixture2") }
        for i in records.indices {
            records[i].build = "0.1.0 (git 1d1597b, dirty)"
            records[i].blas = i % 2 == 0 ? "OpenBLAS Haswell" : "OpenBLAS Cooperlake"
        }
        records[1].config.data = .file
        records[1].config.dataFile = data.path
        records[1].config.dataDigest = data.sha256
        return (header, revision, records)
    }

    /// Reads a fixture and checks what every version's must give: no
    /// problems, its version, the header and records it was written from,
    /// its own bytes when written again in its version, and its 4 trials.
    static func readBack(_ name: String, version: Int,
                         _ expected: (header: StoreHeader, revision: SpecRevision, records: [TrialRecord])) throws -> (path: String, file: ResultContents) {
        let path = fixturesDirectory.appendingPathComponent(name).path
        let file = try ResultFile.load(path: path)
        #expect(file.problems.isEmpty && file.unverifiedLines == 0)
        #expect(file.header.formatVersion == version)
        #expect(file.header == expected.header)
        #expect(file.records == expected.records)
        let rewritten = [LineCodec.encode(file.header), LineCodec.encode(file.revisions[1])]
            + (try file.records.map { try LineCodec.encode($0, formatVersion: version) })
        #expect(rewritten.flatMap { $0 } == (try TestFiles.bytes(path)))
        #expect(try ResultFile.finishedIDs(path: path).count == 4)
        return (path, file)
    }

    @Test func version2ReadsToTheRecordsAndRevisionsItWasWrittenFrom() throws {
        let expected = Self.v2Contents()
        let file = try Self.readBack("v2.jsonl", version: 2, expected).file
        var revision = expected.revision
        revision.line = 2
        #expect(file.revisions == [expected.header.revision, revision])
    }

    /// What `Fixtures/v3.jsonl` was written from: version 2's header and
    /// revision, and records shaped like real ones (16 curves on one step
    /// list), one with a curve on other steps, a halving tag and a stop
    /// reason, a diverged and a failed one.
    static func v3Contents() -> (header: StoreHeader, revision: SpecRevision, records: [TrialRecord]) {
        var (header, revision, _) = v2Contents()
        header.formatVersion = 3
        var records = [0, 1, 49, 96].map { SyntheticRecords.realistic(index: $0, prefix: "fixture3") }
        records[1].result.curves["test_error"] = Curve(steps: [0, 10, 300], values: [0.5, 0.25, 0.125])
        records[1].halving = HalvingTag(bracket: 1, rung: 2, budget: 300, promotedFrom: TrialID(rawValue: "fixture3-0"))
        records[1].result.stop = .zeroTrainError
        for i in records.indices {
            records[i].build = "0.1.0 (git 1d1597b)"
            records[i].blas = "OpenBLAS SkylakeX"
        }
        return (header, revision, records)
    }

    @Test func version3ReadsToTheRecordsItWasWrittenFrom() throws {
        let path = try Self.readBack("v3.jsonl", version: 3, Self.v3Contents()).path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains(#""curve_steps":[0,1,2,3,4,5,6,8,10,13,16,20,25,30,32,40,50,63,79,100,126,158,200],"curves":{"dist_from_init":["#))
        #expect(text.contains(#""test_error":{"steps":[0,10,300],"values":[0.5,0.25,0.125]}"#))
    }
}
