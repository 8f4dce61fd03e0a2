import Foundation
import Sweep
import TestSupport
import Testing
import TrialContract
@testable import Store

@Suite struct RecoveryTests {
    /// Cuts a good file at every byte of its header and of its last two lines,
    /// and reopens each cut: never an error, never a lost complete line, the
    /// torn bytes kept in the sidecar, and a clean file afterwards.
    @Test func aFileCutAtAnyByteReopens() throws {
        let dir = try TestFiles.scratchDirectory("oversweep-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = try TestFiles.bytes(try makeStoreFile(in: dir, name: "good.jsonl", count: 4))
        let lineEnds = original.indices.filter { original[$0] == 0x0A }.map { $0 + 1 }  // header, 4 records
        #expect(lineEnds.count == 5)
        let ids = (0..<4).map { SyntheticRecords.make(index: $0, prefix: "t").id }
        let path = dir.appendingPathComponent("cut.jsonl").path
        let cuts = Array(1..<lineEnds[0]) + Array(lineEnds[2]...original.count)
        for cut in cuts {
            try? FileManager.default.removeItem(atPath: path + ".corrupt")
            let prefix = Array(original[..<cut])
            try TestFiles.write(prefix, to: path)
            // A complete line lacking only its newline still counts.
            let complete = lineEnds.filter { $0 <= cut || $0 == cut + 1 }
            let expectedIDs = Set(ids.prefix(max(0, complete.count - 1)))
            let goodEnd = complete.last ?? 0

            if cut >= lineEnds[0] {
                let read = try ResultFile.read(path: path)  // read-only: reports, repairs nothing
                #expect(Set(read.records.map(\.id)) == expectedIDs, "cut \(cut)")
                #expect(read.problems.allSatisfy { $0.kind == .torn }, "cut \(cut)")
                #expect(try TestFiles.bytes(path) == prefix)
            }

            let store = try ResultStore.open(path: path, creating: SyntheticRecords.header())
            #expect(store.finishedIDs == expectedIDs, "cut \(cut)")
            try store.close()
            let after = try TestFiles.bytes(path)
            if cut < lineEnds[0] {
                #expect(after == Array(original[..<lineEnds[0]]), "torn header replaced by a fresh one, cut \(cut)")
            } else {
                #expect(after == Array(original[..<goodEnd]), "cut \(cut)")
            }
            let tornBytes = cut - min(cut, goodEnd)
            let sidecar = FileManager.default.contents(atPath: path + ".corrupt").map(Array.init) ?? []
            if cut < lineEnds[0] - 1 {
                #expect(sidecar == prefix + [0x0A], "cut \(cut)")
            } else if tornBytes > 0 {
                #expect(sidecar == Array(original[goodEnd..<cut]) + [0x0A], "cut \(cut)")
                #expect(store.recoveryReport.setAside.count == 1 && store.recoveryReport.setAside[0].line == complete.count + 1)
            } else {
                #expect(sidecar.isEmpty, "cut \(cut)")
            }
            let again = try ResultStore.open(path: path, creating: SyntheticRecords.header())
            #expect(again.recoveryReport.warnings(path: path).isEmpty && again.finishedIDs == expectedIDs)
            try again.close()
        }
    }

    @Test func corruptionInTheMiddleIsReportedByLineAndSkipped() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try makeStoreFile(in: dir, count: 6)
        var bytes = try TestFiles.bytes(path)
        let starts = [0] + bytes.indices.filter { bytes[$0] == 0x0A }.map { $0 + 1 }
        bytes[starts[3] + 40] ^= 0x01  // line 4 = third record: one flipped bit
        try TestFiles.write(bytes, to: path)

        let read = try ResultFile.read(path: path)
        #expect(read.records.count == 5)
        #expect(read.problems.map(\.line) == [4] && read.problems[0].kind == .checksumMismatch)

        let store = try ResultStore.open(path: path, creating: SyntheticRecords.header())
        #expect(store.recoveryReport.skipped.map(\.line) == [4])
        #expect(store.recoveryReport.setAside.isEmpty)
        #expect(!store.finishedIDs.contains(SyntheticRecords.make(index: 2, prefix: "t").id), "a corrupt line is not believed")
        #expect(store.recoveryReport.warnings(path: path).first?.contains("\(path):4") == true)
        // The trial can be recorded again; the corrupt line stays for a human to look at.
        #expect(try store.append(SyntheticRecords.make(index: 2, prefix: "t")))
        try store.close()
        #expect(try ResultFile.read(path: path).records.count == 6)
        #expect(try TestFiles.bytes(path).count > bytes.count)
    }

    @Test func aSecondWriterIsRefusedWithAClearError() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try makeStoreFile(in: dir, count: 2)
        let first = try ResultStore.open(path: path, creating: SyntheticRecords.header())
        #expect(FileLineLog.isLocked(path: path))
        do {
            _ = try ResultStore.open(path: path, creating: SyntheticRecords.header())
            Issue.record("second open should fail")
        } catch let e as StoreError {
            #expect(e.code == .locked && e.description.hasPrefix(path) && !e.description.contains("\n"))
        }
        // Readers are not blocked.
        #expect(try ResultFile.finishedIDs(path: path).count == 2)
        try first.close()
        #expect(!FileLineLog.isLocked(path: path))
        let second = try ResultStore.open(path: path, creating: nil)
        try second.close()
    }

    @Test func aDifferentSpecIsRefusedUnlessForced() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try makeStoreFile(in: dir, count: 2)
        let before = try TestFiles.bytes(path)
        let other = SyntheticRecords.header(name: "other", specHash: "0123456789abcdef")
        let e = #expect(throws: StoreError.self) { try ResultStore.open(path: path, creating: other) }
        #expect(e?.code == .specMismatch)
        #expect(try TestFiles.bytes(path) == before)
        let forced = try ResultStore.open(path: path, creating: other, options: StoreOptions(allowSpecMismatch: true))
        #expect(forced.header.specHash == "synthetic", "the file's own header is kept")
        try forced.close()
    }

    @Test func badFilesAreRefusedAndLeftAlone() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let newer = try makeStoreFile(in: dir, name: "newer.jsonl", count: 1)
        var text = String(decoding: try TestFiles.bytes(newer), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"format_version\":\(ResultFormat.version)", with: "\"format_version\":\(ResultFormat.version + 1)")
        try TestFiles.write(Array(text.utf8), to: newer)
        let cases: [(String, [UInt8]?, StoreError.Code)] = [
            ("notjson.jsonl", Array("hello, world\nsecond line\n".utf8), .notAResultFile),
            ("foreign.jsonl", Array("{\"a\":1}\n{\"a\":2}\n".utf8), .notAResultFile),
            ("empty.jsonl", [], .empty),
            ("newer.jsonl", nil, .newerFormat),
        ]
        for (name, content, code) in cases {
            let path = dir.appendingPathComponent(name).path
            if let content { try TestFiles.write(content, to: path) }
            let before = try TestFiles.bytes(path)
            for attempt in 0..<3 {
                do {
                    switch attempt {
                    case 0: _ = try ResultFile.read(path: path)
                    case 1: _ = try ResultFile.finishedIDs(path: path)
                    default: _ = try ResultStore.open(path: path, creating: nil)
                    }
                    Issue.record("\(name) should be refused")
                } catch let e as StoreError {
                    #expect(e.code == code, "\(name): \(e)")
                    #expect(e.description.hasPrefix(path) && !e.description.contains("\n"))
                }
            }
            #expect(try TestFiles.bytes(path) == before, "\(name) untouched")
            #expect(!FileManager.default.fileExists(atPath: path + ".corrupt"))
        }
        #expect(throws: StoreError(.notFound, path: dir.appendingPathComponent("missing.jsonl").path, "no such file")) {
            try ResultFile.read(path: dir.appendingPathComponent("missing.jsonl").path)
        }
        let e = #expect(throws: StoreError.self) { try ResultStore.open(path: dir.path, creating: SyntheticRecords.header()) }
        #expect(e?.code == .isDirectory)
    }
}
