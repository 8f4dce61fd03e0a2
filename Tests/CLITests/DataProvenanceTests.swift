import Foundation
import TestSupport
import Testing

/// Data files through the real binary: resolved against the spec's
/// directory, fingerprinted into every trial's identity and record, refused
/// before anything starts when bad, checked again on the worker.
@Suite struct DataProvenanceTests {
    /// A sweep directory: `sweep/s.yaml` naming `data/d.csv` relatively, and the data.
    struct Sweep {
        let dir: URL
        var spec: String { dir.appendingPathComponent("sweep/s.yaml").path }
        var data: String { dir.appendingPathComponent("sweep/data/d.csv").path }
        var out: String { dir.appendingPathComponent("out/r.jsonl").path }

        init(rows: Int = 40, features: Int = 3, extra: String = "") throws {
            dir = try TestFiles.temporaryDirectory()
            try FileManager.default.createDirectory(at: dir.appendingPathComponent("sweep/data"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: dir.appendingPathComponent("out"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: dir.appendingPathComponent("elsewhere"), withIntermediateDirectories: true)
            try Self.csv(rows: rows, features: features).write(toFile: data, atomically: true, encoding: .utf8)
            try fileDataSpecYAML(dataFile: "data/d.csv", extraBase: extra).write(toFile: spec, atomically: true, encoding: .utf8)
        }

        /// Features from a seeded generator, label ±1 from the first feature's sign.
        static func csv(rows: Int, features: Int) -> String {
            var rng = SplitMix(seed: 7)
            var text = (0..<features).map { "x\($0)" }.joined(separator: ",") + ",label\n"
            for _ in 0..<rows {
                let x = (0..<features).map { _ in rng.gaussian() }
                text += x.map { String(format: "%.5f", $0) }.joined(separator: ",") + (x[0] > 0 ? ",1\n" : ",-1\n")
            }
            return text
        }

        /// Runs the binary from `elsewhere/`, so a path resolved against the working directory would miss.
        func run(_ arguments: [String]) throws -> Subprocess.Output {
            try Subprocess.run(OversweepBinary.url, arguments, in: dir.appendingPathComponent("elsewhere"))
        }

        func records(_ path: String? = nil) throws -> [[String: Any]] {
            try String(contentsOfFile: path ?? out, encoding: .utf8).split(separator: "\n").compactMap {
                try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }.filter { $0["kind"] as? String == "trial" }
        }

        /// Flips the label of the first data row: one byte changes, the file stays valid.
        func changeOneByte() throws {
            var text = try String(contentsOfFile: data, encoding: .utf8)
            let firstRowEnd = text.index(text.firstIndex(of: "\n")!, offsetBy: 1)
            let rowEnd = text[firstRowEnd...].firstIndex(of: "\n")!
            let labelAt = text.index(before: rowEnd)
            text.replaceSubrange(labelAt...labelAt, with: text[labelAt] == "1" ? "0" : "1")
            try text.write(toFile: data, atomically: false, encoding: .utf8)
        }
    }

    static func sha256(_ path: String) throws -> String {
        let tool = try #require(Subprocess.which("sha256sum"))
        let r = try Subprocess.run(tool, [path])
        return String(r.stdout.prefix(64))
    }

    @Test func aRelativeDataFileIsReadFromTheSpecsDirectoryAndEveryRecordSaysWhatWasUsed() throws {
        let s = try Sweep()
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let run = try s.run(["run", s.spec, "--workers", "1", "--out", s.out])
        #expect(run.status == 0, "\(run.stderr)")
        let records = try s.records()
        let digest = try Self.sha256(s.data)
        let version = try OversweepBinary.run(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(records.count == 4)
        for r in records {
            let config = r["config"] as? [String: Any]
            #expect(r["status"] as? String == "ok", "\(r)")
            #expect(config?["data_file"] as? String == URL(fileURLWithPath: s.data).standardizedFileURL.path)
            #expect(config?["data_digest"] as? String == digest)
            // Provenance of the number: the worker's build, its BLAS kernels, host and attempt.
            #expect(r["build"] as? String == version, "\(r["build"] ?? "nil") vs \(version)")
            #expect((r["blas"] as? String)?.isEmpty == false)
            #expect(r["host"] as? String == ProcessInfo.processInfo.hostName && r["attempt"] as? Int == 1)
        }
        #expect(version.contains("(git "), "the version names the revision it was built from: \(version)")
        let header = try #require(try String(contentsOfFile: s.out, encoding: .utf8).split(separator: "\n").first)
        #expect(header.contains(#""sha256":"\#(digest)""#) && header.contains(#""written":"data/d.csv""#))
    }

    @Test func oneChangedByteMakesThoseTrialsRemainingAndTheyRunAgainApart() throws {
        let s = try Sweep()
        defer { try? FileManager.default.removeItem(at: s.dir) }
        #expect(try s.run(["run", s.spec, "--workers", "1", "--out", s.out, "--quiet"]).status == 0)
        let first = s.dir.appendingPathComponent("out/first.jsonl").path
        try FileManager.default.copyItem(atPath: s.out, toPath: first)
        let oldIDs = Set(try s.records().compactMap { $0["id"] as? String })
        let oldDigest = try Self.sha256(s.data)
        #expect(try s.run(["status", s.out, "--spec", s.spec]).status == 0)

        try s.changeOneByte()
        let status = try s.run(["status", s.out, "--spec", s.spec])
        #expect(status.status == 2 && status.stdout.contains("4 trials planned, 0 recorded, 4 remaining"), "\(status.stdout)")
        // Resume sees changed trials: refused, in one line naming the data file, until forced.
        let refused = try s.run(["run", s.spec, "--workers", "1", "--out", s.out, "--resume", "--quiet"])
        #expect(refused.status != 0 && refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("data file data/d.csv changed"), "\(refused.stderr)")
        let forced = try s.run(["run", s.spec, "--workers", "1", "--out", s.out, "--resume", "--force", "--quiet"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try s.run(["status", s.out, "--spec", s.spec]).status == 0)
        let all = try s.records()
        let newIDs = Set(all.compactMap { $0["id"] as? String }).subtracting(oldIDs)
        #expect(all.count == 8 && newIDs.count == 4)
        #expect(Set(all.compactMap { ($0["config"] as? [String: Any])?["data_digest"] as? String }) == [oldDigest, try Self.sha256(s.data)])
        // Merging the old file with the new one keeps both sets: no duplicates, no conflicts.
        let merged = s.dir.appendingPathComponent("out/merged.jsonl").path
        let merge = try s.run(["merge", first, s.out, "-o", merged])
        #expect(merge.status == 0 && merge.stdout.contains("8 trials written")
                && merge.stdout.contains("identical duplicates: 4; conflicting duplicates: 0"), "\(merge.stdout) \(merge.stderr)")
    }

    @Test func aBadDataFileIsRefusedBeforeAnythingStarts() throws {
        let s = try Sweep()
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let good = try String(contentsOfFile: s.data, encoding: .utf8)
        let cases: [(String, () throws -> Void)] = [
            ("no such file", {}),
            ("is a directory", { try FileManager.default.createDirectory(atPath: s.data, withIntermediateDirectories: false) }),
            ("is a FIFO", { _ = try Subprocess.run(try #require(Subprocess.which("mkfifo")), [s.data]) }),
            ("line 4, column 2: not a number", { try Self.edit(good, line: 3) { $0.replacingOccurrences(of: ",", with: ",oops") }.write(toFile: s.data, atomically: true, encoding: .utf8) }),
            ("row 2, column 4 (label): not ±1 (or 0/1) as logistic loss needs", {
                try Self.edit(good, line: 2) { $0.split(separator: ",").dropLast().joined(separator: ",") + ",7" }
                    .write(toFile: s.data, atomically: true, encoding: .utf8)
            }),
        ]
        for (problem, breakIt) in cases {
            try? FileManager.default.removeItem(atPath: s.data)
            try breakIt()
            for args in [["plan", s.spec], ["run", s.spec, "--workers", "1", "--out", s.out],
                         ["coordinator", s.spec, "--bind", "ipc://\(s.dir.path)/c.sock", "--out", s.out]] {
                let (r, _, hung) = try Subprocess.run(OversweepBinary.url, args, timeout: 30)
                #expect(!hung && r.status != 0, "\(args[0]) \(problem)")
                let lines = r.stderr.split(separator: "\n")
                #expect(lines.count == 1 && lines[0].hasPrefix("Error: \(s.spec):4: base.data_file: data/d.csv (\(s.data)): "),
                        "\(args[0]): \(r.stderr)")
                #expect(r.stderr.contains(problem), "\(args[0]) \(problem): \(r.stderr)")
                #expect(!FileManager.default.fileExists(atPath: s.out), "\(args[0]) created \(s.out)")
            }
        }
    }

    /// `text` with its line `line` (0-based) rewritten.
    static func edit(_ text: String, line: Int, _ change: (String) -> String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[line] = change(lines[line])
        return lines.joined(separator: "\n")
    }

    /// The plan's cost comes from the file's rows and columns: the same as for
    /// generated data of that dimension and split, not the defaults.
    @Test func planEstimatesCostFromTheFilesRealRowsAndColumns() throws {
        let s = try Sweep(rows: 500, features: 40)
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let generated = s.dir.appendingPathComponent("sweep/generated.yaml").path
        // 500 rows at test_fraction 0.2: 400 train, 100 test; 40 features.
        try String(contentsOfFile: s.spec, encoding: .utf8)
            .replacingOccurrences(of: "  data: file\n  data_file: data/d.csv\n", with: "  data: sphere_teacher\n  dim: 40\n  n_train: 400\n  n_test: 100\n")
            .write(toFile: generated, atomically: true, encoding: .utf8)
        func cost(_ spec: String) throws -> String {
            let r = try s.run(["plan", spec])
            #expect(r.status == 0, "\(r.stderr)")
            return r.stdout.split(separator: "\n").first { $0.hasPrefix("cost") }.map(String.init) ?? ""
        }
        let fromFile = try cost(s.spec)
        let fromGenerated = try cost(generated)
        #expect(!fromFile.isEmpty && fromFile == fromGenerated)
        let plan = try s.run(["plan", s.spec]).stdout
        #expect(plan.contains("data    data/d.csv → \(s.data)  (500 rows × 41 columns, sha256 \(try Self.sha256(s.data).prefix(16))…)"), "\(plan)")
    }

    /// A worker whose copy of the file differs from the one the sweep was
    /// planned with fails the trial, naming the file, its host and both digests.
    @Test func aWorkerWithADifferentCopyFailsTheTrialAndNeverTrainsOnIt() throws {
        let s = try Sweep()
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let planned = try Self.sha256(s.data)
        let endpoint = "ipc://\(s.dir.path)/c.sock"
        let coordinator = Process()
        coordinator.executableURL = OversweepBinary.url
        coordinator.arguments = ["coordinator", s.spec, "--bind", endpoint, "--out", s.out, "--max-attempts", "1", "--quiet"]
        coordinator.standardError = FileHandle.nullDevice
        coordinator.standardOutput = FileHandle.nullDevice
        try coordinator.run()
        defer { if coordinator.isRunning { coordinator.terminate() } }
        // The header is written once the spec (and its data file) has been planned.
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: s.out) && Date() < deadline { usleep(20_000) }
        try s.changeOneByte()
        let local = try Self.sha256(s.data)
        let (worker, _, hung) = try Subprocess.run(OversweepBinary.url, ["worker", "--connect", endpoint, "--jobs", "1", "--quiet"], timeout: 60)
        #expect(!hung, "\(worker.stderr)")
        while coordinator.isRunning && Date() < deadline.addingTimeInterval(30) { usleep(20_000) }
        let records = try s.records()
        #expect(records.count == 4)
        for r in records {
            let message = r["message"] as? String ?? ""
            #expect(r["status"] as? String == "failed" && r["metrics"] as? [String: Any] != nil, "\(r)")
            #expect((r["metrics"] as? [String: Any])?.isEmpty == true, "no training on other data: \(r)")
            for fragment in [s.data, "host \(ProcessInfo.processInfo.hostName)", planned, local] {
                #expect(message.contains(fragment), "\(fragment) not in \(message)")
            }
        }
    }
}
