import Foundation
import TestSupport
import Testing
@testable import Store
import TrialContract

/// The binary against crafted inputs: one line on stderr, a non-zero exit,
/// no signal, no backtrace, no hang.
@Suite struct CraftedInputCommandTests {
    func expectOneLineRefusal(_ arguments: [String], mentioning fragments: [String], exitCode: Int32? = nil,
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (r, exited, hung) = try OversweepBinary.run(arguments, timeout: 20)
        #expect(!hung, "hung: \(arguments)", sourceLocation: sourceLocation)
        #expect(exited, "killed by a signal: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.status != 0 && (exitCode == nil || r.status == exitCode), sourceLocation: sourceLocation)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines.first?.hasPrefix("Error: ") == true, "\(r.stderr)", sourceLocation: sourceLocation)
        for f in fragments { #expect(r.stderr.contains(f), "\(f) not in \(r.stderr)", sourceLocation: sourceLocation) }
    }

    static let smallConfig = #"{"data":"sphere_teacher","dim":4,"n_train":8,"width":8,"depth":1,"activation":"relu","loss":"logistic","lr":0.1,"steps":2}"#

    /// `smallConfig` with some fields replaced (`edits` is JSON members, e.g. `"width":16`).
    static func config(_ edits: String) -> String {
        let base = try! JSONSerialization.jsonObject(with: Data(smallConfig.utf8)) as! [String: Any]
        let more = try! JSONSerialization.jsonObject(with: Data(("{" + edits + "}").utf8)) as! [String: Any]
        let merged = base.merging(more) { $1 }
        return String(decoding: try! JSONSerialization.data(withJSONObject: merged, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test func trainRefusesSizesNoMachineCanAllocate() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, edits, field) in [("width", #""width":3037000500"#, "width 3037000500"),
                                      ("ntrain", #""n_train":300000000000"#, "n_train 300000000000"),
                                      ("depth", #""depth":10000000000000,"width":1"#, "depth 10000000000000")] {
            let path = dir.appendingPathComponent("\(name).json").path
            try Self.config(edits).write(toFile: path, atomically: true, encoding: .utf8)
            try expectOneLineRefusal(["train", path], mentioning: [path, "too large to train", field])
        }
    }

    @Test func trainWithACraftedDataFileFailsTheTrialWithOneLine() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func npy(_ shape: String) -> Data {
            var header = Array("{'descr': '<f8', 'fortran_order': False, 'shape': \(shape), }".utf8)
            header += Array(repeating: UInt8(ascii: " "), count: (64 - (10 + header.count + 1) % 64) % 64) + [0x0A]
            return Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)] + header
                        + [UInt8](repeating: 0, count: 64))
        }
        for (name, shape) in [("negative", "(-1, 4)"), ("huge", "(4611686018427387904, 4)")] {
            let data = dir.appendingPathComponent("\(name).npy").path
            try npy(shape).write(to: URL(fileURLWithPath: data))
            let path = dir.appendingPathComponent("\(name).json").path
            try Self.config(#""data":"file","data_file":"\#(data)""#).write(toFile: path, atomically: true, encoding: .utf8)
            // A failed trial: its record on stdout, one line on stderr, exit 2.
            try expectOneLineRefusal(["train", path], mentioning: ["not a usable .npy file"], exitCode: 2)
        }
    }

    @Test func trainRefusesAFIFOOrDeviceAsItsConfig() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("config.json").path
        #expect(mkfifo(fifo, 0o600) == 0)
        try expectOneLineRefusal(["train", fifo], mentioning: ["FIFO"])
        try expectOneLineRefusal(["train", "/dev/zero"], mentioning: ["character device"])
    }

    @Test func planGivesOneLineForHugeAndMalformedNumbers() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = "base: {data: sphere_teacher, dim: 4, n_train: 8, depth: 2, activation: relu, loss: logistic, lr: 0.1, steps: 2, width: 8}\n"
        for (name, grid, fragments) in [
            ("trap", "grid: {width: [10000000000000]}", ["too large to train", "width 10000000000000"]),
            ("overflow", "grid: {width: [3037000500]}", ["too large to train"]),
            ("fraction", "grid: {width: [12.5]}", ["width must be a whole number (got 12.5)"]),
            ("seed", "grid: {seeds: [-1]}", ["seed must be an integer ≥ 0 (got -1)"]),
        ] {
            let path = dir.appendingPathComponent("\(name).yaml").path
            try (base + grid).write(toFile: path, atomically: true, encoding: .utf8)
            try expectOneLineRefusal(["plan", path], mentioning: ["\(path):2:"] + fragments)
        }
    }

    @Test func planRefusesAnAliasBombUnexpanded() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // 10^9 leaves in 700 bytes.
        var lines = ["x-a0: &a0 [1,2,3,4,5,6,7,8,9,10]"]
        for i in 1...8 { lines.append("x-a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ",") + "]") }
        lines.append("base: {data: sphere_teacher, width: 8, depth: 1, activation: relu, loss: logistic, lr: 0.1, steps: 2}")
        lines.append("grid: {named_steps: *a8}")
        let path = dir.appendingPathComponent("bomb.yaml").path
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try expectOneLineRefusal(["plan", path], mentioning: ["\(path):", "more than 1000000 YAML nodes"])
    }

    @Test func aTrialListWhoseIdIsNotItsConfigsIsRefusedNamingTheLine() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let wide = Self.smallConfig.replacingOccurrences(of: #""width":8"#, with: #""width":16"#)
        func id(_ config: String) throws -> String { TrialID(config: try JSONDecoder().decode(TrialConfig.self, from: Data(config.utf8))).rawValue }
        let small = try id(Self.smallConfig)
        // Line 4 gives the small config's id to the wide config (trial A's id carrying trial B's config).
        let list = [#"{"id":"\#(small)","sweep":"","config":\#(Self.smallConfig)}"#, "",
                    #"{"id":"\#(try id(wide))","sweep":"","config":\#(wide)}"#,
                    #"{"id":"\#(small)","sweep":"","config":\#(wide)}"#].joined(separator: "\n") + "\n"
        let path = dir.appendingPathComponent("list.jsonl").path
        try list.write(toFile: path, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out.jsonl").path
        try expectOneLineRefusal(["run", path, "--out", out, "--workers", "1"], mentioning: ["\(path):4:", "is not this config's id"])
        #expect(!FileManager.default.fileExists(atPath: out))
        // The same trial twice is one trial, not an error.
        try [#"{"id":"\#(small)","sweep":"","config":\#(Self.smallConfig)}"#, #"{"id":"\#(small)","sweep":"","config":\#(Self.smallConfig)}"#]
            .joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let (r, exited, hung) = try OversweepBinary.run(["run", path, "--out", out, "--workers", "1"], timeout: 60)
        #expect(exited && !hung && r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("1/1") || r.stdout.contains("1/1"), "\(r.stderr)")
    }

    /// A result file with `count` synthetic records, then `extra` bytes.
    static func resultFile(in dir: URL, count: Int, extra: [UInt8] = []) throws -> String {
        let path = dir.appendingPathComponent("r-\(UUID().uuidString.prefix(8)).jsonl").path
        let store = try ResultStore.open(path: path, creating: SyntheticRecords.header())
        for i in 0..<count { try store.append(SyntheticRecords.make(index: i)) }
        try store.close()
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(extra))
        try handle.close()
        return path
    }

    @Test func readersRefuseFIFOsAndDevicesWithoutBlocking() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("results.jsonl").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let good = try Self.resultFile(in: dir, count: 2)
        let out = dir.appendingPathComponent("merged.jsonl").path
        for (input, kind) in [(fifo, "FIFO"), ("/dev/zero", "character device")] {
            for args in [["status", input], ["export", input, "--csv", dir.appendingPathComponent("x.csv").path],
                         ["report", input, "-o", dir.appendingPathComponent("report").path], ["merge", good, input, "-o", out]] {
                try expectOneLineRefusal(args, mentioning: [input, kind])
            }
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func statusAndExportCountTheSameLinesAsUnreadable() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A line that passes its checksum but is no record, and a line longer than any record may be.
        let forged = LineCodec.sealed(Array(#"{"kind":"trial","id":"forged","sweep":"","status":"winner"}"#.utf8))
        let long = [UInt8](repeating: UInt8(ascii: "x"), count: FileLineLog.maxLineLength + 1) + [0x0A]
        let path = try Self.resultFile(in: dir, count: 3, extra: forged + long)
        let (status, _, _) = try OversweepBinary.run(["status", path], timeout: 60)
        #expect(status.status == 8, "unreadable lines: exit 8; \(status.stderr)")
        #expect(status.stdout.contains("trials recorded: 3 "), "\(status.stdout)")
        #expect(status.stdout.contains("unreadable lines: 2"), "\(status.stdout)")
        let csv = dir.appendingPathComponent("out.csv").path
        let (export, _, _) = try OversweepBinary.run(["export", path, "--csv", csv], timeout: 60)
        #expect(export.status == 0 && export.stdout.contains("wrote 3 rows"), "\(export.stderr)")
        // The same two lines, by number and kind, from both.
        for r in [status, export] {
            #expect(r.stderr.contains("\(path):5: undecodable record") && r.stderr.contains("\(path):6: line too long"), "\(r.stderr)")
        }
    }
}
