import Foundation
import Sweep
import TestSupport
import Testing
import TrialContract
@testable import Store

/// `status`, `merge`, `export` and the hidden writer, through the built binary.
@Suite struct CommandTests {
    @Test func badInputGetsOneLineAndNonZeroExitAndNoFileChanges() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = try makeStoreFile(in: dir, name: "good.jsonl", count: 2)
        let newer = dir.appendingPathComponent("newer.jsonl").path
        try TestFiles.write(Array(String(decoding: try TestFiles.bytes(good), as: UTF8.self)
            .replacingOccurrences(of: "\"format_version\":\(ResultFormat.version)", with: "\"format_version\":7").utf8), to: newer)
        let notJSON = dir.appendingPathComponent("notes.jsonl").path
        try TestFiles.write(Array("these are notes\nnot results\n".utf8), to: notJSON)
        let empty = dir.appendingPathComponent("empty.jsonl").path
        try TestFiles.write([], to: empty)
        let missing = dir.appendingPathComponent("missing.jsonl").path
        let directory = dir.appendingPathComponent("adir").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)

        let out = dir.appendingPathComponent("out.jsonl").path
        let csv = dir.appendingPathComponent("out.csv").path
        for (bad, expected) in [(notJSON, "not an OverSweep result file"), (newer, "version 7"), (empty, "empty"),
                                (missing, "no such file"), (directory, "directory")] {
            let snapshot = try snapshotDirectory(dir)
            let runs = [["status", bad], ["merge", good, bad, "-o", out], ["export", bad, "--csv", csv],
                        ["store-tool", "append-synthetic", bad, "--count", "3"]]
            for args in runs where !(args[0] == "store-tool" && (bad == missing || bad == empty)) {
                let r = try OversweepBinary.run(args)
                #expect(r.status != 0, "\(args)")
                let lines = r.stderr.split(separator: "\n")
                #expect(lines.count == 1, "\(args): \(r.stderr)")
                #expect(r.stderr.contains(bad) && r.stderr.contains(expected), "\(args): \(r.stderr)")
            }
            #expect(try snapshotDirectory(dir) == snapshot, "no file created or modified for \(bad)")
        }
    }

    func snapshotDirectory(_ dir: URL) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            let path = dir.appendingPathComponent(name).path
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
            out[name] = isDir.boolValue ? [] : try TestFiles.bytes(path)
        }
        return out
    }

    /// status, export and merge read past an unreadable line and say where it
    /// was, in the same `FILE:LINE: problem, line skipped` form.
    @Test func readersNameEachSkippedLine() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try makeStoreFile(in: dir, count: 3)
        var bytes = try TestFiles.bytes(path)
        let thirdLine = bytes.indices.filter { bytes[$0] == 0x0A }[1] + 1   // header, trial 1, then trial 2
        bytes[thirdLine + 20] ^= 0x01                                       // its checksum no longer holds
        try TestFiles.write(bytes, to: path)
        let warning = "warning: \(path):3: checksum mismatch, line skipped"
        let runs = [["status", path], ["export", path, "--csv", dir.appendingPathComponent("r.csv").path],
                    ["merge", path, "-o", dir.appendingPathComponent("m.jsonl").path]]
        for args in runs {
            let r = try OversweepBinary.run(args)
            // status says so in its exit code too (8: unreadable lines); the others did their job.
            #expect(r.status == (args[0] == "status" ? 8 : 0) && r.stderr.contains(warning), "\(args[0]): \(r.stderr)")
        }
    }

    @Test func statusCountsByStatusAndSubSweep() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.jsonl").path
        let store = try ResultStore.open(path: path, creating: SyntheticRecords.header())
        var expected: [String: [TrialStatus: Int]] = [:]
        for i in 0..<200 {
            let sweep = i % 3 == 0 ? "width" : "depth"
            let r = SyntheticRecords.make(index: i, sweep: sweep)
            try store.append(r)
            expected[sweep, default: [:]][r.status, default: 0] += 1
        }
        try store.close()
        let r = try OversweepBinary.run(["status", path])
        let ok = expected.values.reduce(0) { $0 + ($1[.ok] ?? 0) }
        let diverged = expected.values.reduce(0) { $0 + ($1[.diverged] ?? 0) }
        let failed = expected.values.reduce(0) { $0 + ($1[.failed] ?? 0) }
        // Failed trials are recorded: exit 4 (the synthetic spec cannot be planned, so nothing counts as remaining).
        #expect(failed > 0 && r.status == 4, "\(r.stderr)")
        #expect(r.stdout.contains("trials recorded: 200 — \(ok) ok, \(diverged) diverged, \(failed) failed"), "\(r.stdout)")
        let widthRow = r.stdout.split(separator: "\n").first { $0.hasPrefix("width") }.map { $0.split(separator: " ").map(String.init) }
        let w = expected["width"] ?? [:]
        #expect(widthRow == ["width", "\(w.values.reduce(0, +))", "\(w[.ok] ?? 0)", "\(w[.diverged] ?? 0)", "\(w[.failed] ?? 0)"])
    }

    @Test func mergePrintsCountsAndHonoursPrefer() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try makeStoreFile(in: dir, name: "a.jsonl", count: 10)
        let bPath = dir.appendingPathComponent("b.jsonl").path
        let b = try ResultStore.open(path: bPath, creating: SyntheticRecords.header())
        for i in 5..<15 {
            var r = SyntheticRecords.make(index: i, prefix: "t")
            if i == 7 { r.result.metrics["test_error"] = 0.999 }
            try b.append(r)
        }
        try b.close()
        let out = dir.appendingPathComponent("m.jsonl").path
        let refused = try OversweepBinary.run(["merge", a, bPath, "-o", out])
        #expect(refused.status != 0 && refused.stderr.contains("test_error") && refused.stderr.contains("--prefer"))
        #expect(!FileManager.default.fileExists(atPath: out))

        let last = try OversweepBinary.run(["merge", a, bPath, "-o", out, "--prefer", "last"])
        #expect(last.status == 0, "\(last.stderr)")
        #expect(last.stdout.contains("15 trials written"))
        #expect(last.stdout.contains("identical duplicates: 4; conflicting duplicates: 1"))
        let merged = try ResultFile.read(path: out).records
        #expect(merged.count == 15)
        #expect(merged.first { $0.id == SyntheticRecords.make(index: 7, prefix: "t").id }?.result.metrics["test_error"] == 0.999)
    }

    @Test func mergeCanDropFailedTrialsSoThatAResumeRunsThemAgain() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("a.jsonl").path
        let store = try ResultStore.open(path: path, creating: SyntheticRecords.header())
        var failed: Set<TrialID> = []
        for i in 0..<10 {
            var r = SyntheticRecords.make(index: i, prefix: "t")
            if i % 4 == 1 {
                r.result.status = .failed
                r.result.message = "out of memory"
                failed.insert(r.id)
            }
            try store.append(r)
        }
        try store.close()
        let status = try OversweepBinary.run(["status", path])
        #expect(status.stdout.contains("to run the 3 failed trials again") && status.stdout.contains("--resume runs failed trials again"), "\(status.stdout)")
        let out = dir.appendingPathComponent("retry.jsonl").path
        let run = try OversweepBinary.run(["merge", path, "-o", out, "--drop-status", "failed"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("left out 3 trial records with status failed"), "\(run.stdout)")
        let kept = try ResultFile.read(path: out).records
        #expect(kept.count == 7 && kept.allSatisfy { $0.result.status == .ok })
        let finished = try ResultFile.finishedIDs(path: out)
        #expect(finished.isDisjoint(with: failed) && finished.count == 7)
        let bad = try OversweepBinary.run(["merge", path, "-o", out, "--drop-status", "broken"])
        #expect(bad.status != 0 && bad.stderr.contains("drop-status"))
    }

    @Test func exportWritesAQuotedCSVThatPythonReads() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.jsonl").path
        let store = try ResultStore.open(path: path, creating: SyntheticRecords.header())
        for i in 0..<12 {
            var r = SyntheticRecords.make(index: i)
            if i == 96 % 12 { r.result.message = "bad \"data\", line 3\nsee log" }
            try store.append(r)
        }
        try store.close()
        let csv = dir.appendingPathComponent("r.csv").path
        let r = try OversweepBinary.run(["export", path, "--csv", csv])
        #expect(r.status == 0, "\(r.stderr)")
        guard Subprocess.which("python3") != nil else { return print("skipped the CSV check: python3 not installed") }
        let check = try python("""
            import csv, sys
            rows = list(csv.DictReader(open(sys.argv[1], newline='')))
            print(len(rows), ','.join(k for k in ('width', 'lr', 'train_loss', 'test_error', 'dim') if k in rows[0]))
            print(sum(1 for r in rows if r['message'] == 'bad "data", line 3\\nsee log'))
            """, csv)
        // width and lr vary, dim does not (left out by default).
        #expect(check == "12 width,lr,train_loss,test_error\n1\n")
    }

    @Test func pythonJqAndPandasReadTheFile() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try makeStoreFile(in: dir, count: 25)
        #expect(try ResultFile.read(path: path).records.count == 25)
        guard Subprocess.which("python3") != nil else { return print("skipped: python3 not installed") }
        let plain = try python("""
            import json, sys, zlib
            n = 0
            for raw in open(sys.argv[1], 'rb'):
                line = raw.rstrip(b'\\n')
                obj = json.loads(line)
                body, crc = line[:-20] + b'}', line[-10:-2]
                assert int(crc, 16) == zlib.crc32(body), 'checksum'
                n += obj['kind'] == 'trial'
            print(n)
            """, path)
        #expect(plain == "25\n")
        if let jq = Subprocess.which("jq") {
            let out = try Subprocess.run(jq, ["-r", "select(.kind == \"trial\") | .metrics.train_loss", path]).stdout
            #expect(out.split(separator: "\n").count == 25)
        } else {
            print("skipped: jq not installed")
        }
        let hasPandas = (try? python("import pandas\nprint('yes')")) == "yes\n"
        if hasPandas {
            let out = try python("""
                import pandas as pd, sys
                df = pd.read_json(sys.argv[1], lines=True)
                t = df[df.kind == 'trial']
                print(len(t), len(pd.json_normalize(list(t.config))))
                """, path)
            #expect(out == "25 25\n")
        } else {
            print("skipped: pandas not installed (pip install pandas to run the pandas check)")
        }
    }

    /// python3 as the shell finds it (PATH first: `make test-deps` may have
    /// installed pandas for a python3 that is not /usr/bin's).
    func python(_ script: String, _ args: String...) throws -> String {
        guard let py = Subprocess.which("python3") else { throw StoreError(.notFound, path: "python3", "python3 not installed") }
        return try Subprocess.run(py, ["-c", script] + args).stdout
    }
}
