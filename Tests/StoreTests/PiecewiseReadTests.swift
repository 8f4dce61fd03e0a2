import Foundation
import TestSupport
import Testing
import TrialContract
@testable import Store

/// The fast readers of large files — `status`'s counts and `report`'s
/// records through `RecordSkimmer`, resume's ids, all read in pieces on
/// several threads — against the full decode on one thread, on a file with
/// everything a reader must get right.
@Suite struct PiecewiseReadTests {
    /// Versions 2 and 3 lines side by side, sub-sweeps, duplicate ids with
    /// other statuses, a failed trial, a trial without `train_loss`, escaped
    /// strings (which the skim leaves to the full decoder), a spec revision,
    /// lines that fail their checksum, a checksummed line that does not
    /// decode, an edited line without a checksum, and a torn last line.
    static func messyFile(in dir: URL, name: String = "messy.jsonl", headerless: Bool = false) throws -> String {
        var out: [UInt8] = []
        var header = SyntheticRecords.header()
        header.formatVersion = 2
        if !headerless { out += LineCodec.encode(header) }
        var written: [TrialRecord] = []
        for i in 0..<60 {
            var r = SyntheticRecords.realistic(index: i, prefix: "m", sweep: ["a", "b", ""][i % 3])
            if i % 7 == 3 { r.result.curves["train_loss"] = nil }
            if i % 11 == 5 { r.result.message = "tab\there, \"quoted\" ✓"; r.worker = "w\\9" }
            if i % 9 == 8, let earlier = written.last {
                r = earlier
                r.result.status = earlier.result.status == .failed ? .ok : .failed
                r.attempt += 1
            }
            written.append(r)
            var line = try LineCodec.encode(r, formatVersion: i % 2 == 0 ? 2 : 3)
            if i % 13 == 7 { line[line.count / 2] ^= 0x01 }
            if i == 17 {
                // An edited line: rewritten without its checksum (read only with --accept-edited).
                let text = String(decoding: line.dropLast(), as: UTF8.self)
                line = Array(text.replacingOccurrences(of: #","crc32":"[0-9a-f]{8}""#, with: "", options: .regularExpression).utf8) + [0x0A]
            }
            out += line
            if i == 20 {
                var revision = header.revision
                revision.specHash = "synthetic-grown"
                out += LineCodec.encode(revision)
            }
            if i == 25 { out += LineCodec.sealed(Array(#"{"kind":"trial","id":"forged","sweep":"","status":"winner","metrics":{}}"#.utf8)) }
        }
        out += try LineCodec.encode(SyntheticRecords.realistic(index: 99, prefix: "torn")).prefix(300)
        let path = dir.appendingPathComponent(name).path
        try TestFiles.write(out, to: path)
        return path
    }

    static let cuts = [1, 2, 3, 5, 8, 13, 40]

    @Test(arguments: [ReadOptions.strict, ReadOptions(acceptEdited: true)])
    func statusCountsAreTheFullDecodesWhateverThePieces(options: ReadOptions) throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-pieces")
        defer { try? FileManager.default.removeItem(at: dir) }
        for headerless in options.acceptEdited ? [false, true] : [false] {
            let path = try Self.messyFile(in: dir, headerless: headerless)
            let reference = try ResultFile.summary(path: path, options: options, decodeInFull: true)
            #expect(!reference.duplicateFree && reference.problems.count >= (options.acceptEdited ? 1 : 4) && reference.total["failed", default: 0] > 0)
            if !headerless && !options.acceptEdited { try Self.expectCountsOfLastLines(reference, path: path) }
            for pieces in Self.cuts {
                let s = try ResultFile.summary(path: path, options: options, pieces: pieces)
                #expect(s.fingerprint == reference.fingerprint, "\(pieces) pieces, headerless \(headerless)")
            }
        }
    }

    /// The counts, tallied independently from the full reader's records: the
    /// last line of each trial counts.
    static func expectCountsOfLastLines(_ s: ResultSummary, path: String) throws {
        var last: [TrialID: TrialRecord] = [:]
        for r in try ResultFile.read(path: path).records { last[r.id] = r }
        var total: [String: Int] = [:], bySweep: [String: [String: Int]] = [:]
        for r in last.values {
            total[r.result.status.rawValue, default: 0] += 1
            bySweep[r.sweep, default: [:]][r.result.status.rawValue, default: 0] += 1
        }
        #expect(s.total == total && s.bySweep == bySweep && s.ids == Set(last.keys) && s.distinctTrials == last.count)
    }

    /// Without repeated ids (the usual file, counted from the pieces' tallies).
    @Test func statusCountsOfAFileWithoutRepeatsAreItsLines() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-pieces")
        defer { try? FileManager.default.removeItem(at: dir) }
        var out = LineCodec.encode(SyntheticRecords.header())
        for i in 0..<40 {
            var r = SyntheticRecords.realistic(index: i, prefix: "u", sweep: ["a", "b", ""][(i / 4) % 3])
            if i % 5 == 2 { r.result.status = .failed }
            if i % 7 == 1 { r.result.status = .diverged }
            out += try LineCodec.encode(r)
        }
        let path = dir.appendingPathComponent("unique.jsonl").path
        try TestFiles.write(out, to: path)
        for pieces in Self.cuts {
            let s = try ResultFile.summary(path: path, pieces: pieces)
            #expect(s.duplicateFree && s.trialLines == 40 && s.total.count == 3 && s.bySweep.count == 3)
            try Self.expectCountsOfLastLines(s, path: path)
        }
    }

    @Test(arguments: [ReadOptions.strict, ReadOptions(acceptEdited: true)])
    func reportRecordsAreTheFullDecodesWithTheSelectedCurves(options: ReadOptions) throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-pieces")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.messyFile(in: dir)
        let reference = try ResultFile.load(path: path, options: options)
        let selection = CurveSelection(names: ["train_loss", "test_error"], keepAllWithout: "train_loss")
        let expected = reference.records.map(selection.select)
        // The selection left some curves out, and kept all of a record without train_loss.
        #expect(expected.contains { $0.result.curves.count == 2 } && expected.contains { $0.result.curves.count > 2 })
        for pieces in Self.cuts {
            let got = try ResultFile.load(path: path, options: options, curves: selection, pieces: pieces)
            #expect(got.records == expected, "\(pieces) pieces")
            #expect(got.problems == reference.problems && got.revisions == reference.revisions)
            #expect(got.unverifiedLines == reference.unverifiedLines && got.headerless == reference.headerless)
        }
    }

    /// Resume's reading: the ids of every trial line whose checksum holds
    /// (decoded or not), and the trials whose last record failed, as the
    /// store's separate pass read them before; pieces change nothing.
    @Test func resumeLearnsTheSameTrialsWhateverThePieces() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-pieces")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.messyFile(in: dir)
        let log = try FileLineLog(path: path, writable: false)
        var ids = Set<TrialID>()
        var failed: [TrialID: Int] = [:]
        let serial = try LogScan.run(log, path: path) { line in
            guard let id = LogScan.trialID(line) else { return .undecodable("no trial id") }
            ids.insert(id)
            if let status = ResultStore.fastStatus(line.bytes), status != "failed" {
                failed[id] = nil
            } else if let r = try? LineCodec.decodeRecord(line.bytes) {
                failed[id] = r.result.status == .failed ? r.attempt : nil
            }
            return .accepted
        }
        #expect(ids.contains(TrialID(rawValue: "forged")) && !failed.isEmpty)
        for pieces in Self.cuts {
            let (scan, recorded) = try RecordedTrials.read(log, path: path, pieces: pieces)
            #expect(recorded.ids == ids && recorded.failed == failed, "\(pieces) pieces")
            #expect(scan.fingerprint == serial.fingerprint, "\(pieces) pieces")
        }
    }

    /// Lines longer than the limit, some across the cuts: reported alike,
    /// never held, and the lines around them read alike.
    @Test func overlongLinesAcrossCutsAreReadAlike() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-pieces")
        defer { try? FileManager.default.removeItem(at: dir) }
        var bytes = LineCodec.encode(SyntheticRecords.header())
        for i in 0..<30 {
            bytes += i % 4 == 1 ? Array(repeating: UInt8(ascii: "x"), count: 3000 + 100 * i) + [0x0A] : try LineCodec.encode(SyntheticRecords.make(index: i))
        }
        bytes += Array(repeating: UInt8(ascii: "y"), count: 5000)  // an overlong torn tail
        let path = dir.appendingPathComponent("long.jsonl").path
        try TestFiles.write(bytes, to: path)
        let log = try FileLineLog(path: path, writable: false, maxLineLength: 2048)
        var serialIDs: [TrialID] = []
        let serial = try LogScan.run(log, path: path) { line in
            serialIDs.append(LogScan.trialID(line)!)
            return .accepted
        }
        #expect(serial.problems.filter { $0.kind == .tooLong }.count == 8 && serial.problems.last?.kind == .torn)
        for pieces in Self.cuts + [100, 400] {
            let (scan, parts) = try LogScan.runChunked(log, path: path, pieces: pieces, start: { [TrialID]() }) { ids, line in
                ids.append(LogScan.trialID(line)!)
                return .accepted
            }
            #expect(scan.fingerprint == serial.fingerprint && parts.flatMap { $0 } == serialIDs, "\(pieces) pieces")
        }
    }

    /// Every committed version's fixture reads alike through the fast paths
    /// and the full decode.
    @Test(arguments: ["v1.jsonl", "v2.jsonl", "v3.jsonl"])
    func everyVersionReadsAlikeOnEveryPath(fixture: String) throws {
        let path = fixturesDirectory.appendingPathComponent(fixture).path
        let full = try ResultFile.load(path: path)
        #expect(!full.records.isEmpty && full.problems.isEmpty)
        let selection = CurveSelection(names: ["train_loss"], keepAllWithout: "train_loss")
        for pieces in [1, 3] {
            #expect(try ResultFile.summary(path: path, pieces: pieces).fingerprint == (try ResultFile.summary(path: path, decodeInFull: true)).fingerprint)
            #expect(try ResultFile.load(path: path, curves: selection, pieces: pieces).records == full.records.map(selection.select))
            #expect(try RecordedTrials.read(FileLineLog(path: path, writable: false), path: path, pieces: pieces).1.ids == Set(full.records.map(\.id)))
        }
    }

    /// A version-2 file merged with a version-3 one (either first): every
    /// record of both, in the curve form of the first input's version, read
    /// back exactly.
    @Test func versions2And3Merge() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-pieces")
        defer { try? FileManager.default.removeItem(at: dir) }
        let v2 = fixturesDirectory.appendingPathComponent("v2.jsonl").path
        let v3 = fixturesDirectory.appendingPathComponent("v3.jsonl").path
        let all = try ResultFile.load(path: v2).records + ResultFile.load(path: v3).records
        for (inputs, version) in [([v2, v3], 2), ([v3, v2], 3)] {
            let out = dir.appendingPathComponent("merged-\(version).jsonl").path
            _ = try ResultMerge.mergeFiles(inputs, into: out, prefer: .first, allowMixed: true)
            let merged = try ResultFile.load(path: out)
            #expect(merged.problems.isEmpty && merged.header.formatVersion == version)
            #expect(Set(merged.records.map(\.id)) == Set(all.map(\.id)))
            for r in merged.records { #expect(all.contains(r), "\(r.id)") }
            let text = try String(contentsOfFile: out, encoding: .utf8)
            #expect(text.contains(#""curve_steps":"#) == (version == 3))
        }
    }

    /// The commands themselves, cut into pieces through the environment:
    /// `status --json` and every file `report` writes are those of the full
    /// decode on one thread (the hidden `--full-decode`).
    @Test func statusAndReportAgreeWithTheFullDecode() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-pieces")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.messyFile(in: dir)
        var env = ProcessInfo.processInfo.environment
        env["OVERSWEEP_READ_PIECES"] = "7"
        func run(_ args: [String]) throws -> Subprocess.Output { try Subprocess.run(OversweepBinary.url, args, environment: env) }
        for edited in [[], ["--accept-edited"]] {
            let fast = try run(["status", path, "--json"] + edited), full = try run(["status", path, "--json", "--full-decode"] + edited)
            #expect(fast.status == full.status && fast.stdout == full.stdout && fast.stdout.contains(#""duplicate_lines""#))
            for experiments in [[], ["--experiment", "E1", "--experiment", "E5"]] {
                let a = dir.appendingPathComponent("fast"), b = dir.appendingPathComponent("full")
                let fastReport = try run(["report", path, "-o", a.path] + edited + experiments)
                let fullReport = try run(["report", path, "-o", b.path, "--full-decode"] + edited + experiments)
                #expect(fastReport.status == 0 && fullReport.status == 0, "\(fastReport.stderr)")
                #expect(fastReport.stdout == fullReport.stdout.replacingOccurrences(of: b.path, with: a.path))
                let names = try FileManager.default.contentsOfDirectory(atPath: b.path).sorted()
                #expect(try FileManager.default.contentsOfDirectory(atPath: a.path).sorted() == names && names.contains("index.html"))
                for name in names {
                    let x = try Data(contentsOf: a.appendingPathComponent(name)), y = try Data(contentsOf: b.appendingPathComponent(name))
                    #expect(x == y, "\(name) differs")
                }
                try? FileManager.default.removeItem(at: a)
                try? FileManager.default.removeItem(at: b)
            }
        }
    }
}

extension ResultSummary {
    var duplicateFree: Bool { trialLines == distinctTrials }

    /// Everything a summary holds, comparable.
    var fingerprint: String {
        "\(header) \(problems) \(trialLines) \(distinctTrials) \(total.sorted { $0.key < $1.key }) "
            + "\(bySweep.keys.sorted().map { ($0, bySweep[$0]!.sorted { $0.key < $1.key }) }) \(ids.sorted()) \(revisions) \(unverifiedLines) \(headerless)"
    }
}

extension LogScan {
    var fingerprint: String {
        "\(header) \(revisions) \(problems) \(unverified) \(headerless) \(lastGoodEnd) \(lastGoodLine) \(end) \(lastGoodUnterminated)"
    }
}
