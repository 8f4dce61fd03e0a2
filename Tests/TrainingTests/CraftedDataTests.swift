import Foundation
import PropertyBased
import SafeFiles
import TestSupport
import Testing
import TrialContract
@testable import Training

/// Data files and configs made to hurt (the Training target is built with
/// -Ounchecked, so an unchecked size is memory corruption, not a trap): each
/// is refused with one line, before anything is allocated, and no message
/// repeats the file's bytes.
@Suite struct CraftedDataTests {
    /// A v1 .npy file with this header dict and body (the header padded as numpy pads it).
    static func npy(_ dict: String, body: [UInt8] = [], major: UInt8 = 1, declaredLength: Int? = nil) -> [UInt8] {
        var header = Array(dict.utf8)
        let prefix = major == 1 ? 10 : 12
        header += Array(repeating: UInt8(ascii: " "), count: (64 - (prefix + header.count + 1) % 64) % 64) + [0x0A]
        let length = declaredLength ?? header.count
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0]
        bytes += major == 1 ? [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF)]
                            : (0..<4).map { UInt8(length >> (8 * $0) & 0xFF) }
        return bytes + header + body
    }

    static func dict(shape: String, descr: String = "<f8") -> String {
        "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
    }

    func reason(_ bytes: [UInt8]) -> String? {
        do {
            _ = try NPY.decode(bytes)
            return nil
        } catch let e as TrainingError {
            return e.message
        } catch {
            return "not a TrainingError: \(error)"
        }
    }

    @Test func craftedNPYHeadersAreRefusedBeforeAllocating() {
        let body = [UInt8](repeating: 0, count: 64)
        let cases: [(String, [UInt8], String)] = [
            ("negative dimension", Self.npy(Self.dict(shape: "(-1, 4)"), body: body), "no readable shape"),
            ("2^62 rows", Self.npy(Self.dict(shape: "(4611686018427387904, 4)"), body: body), "needs more data than the file holds"),
            ("product overflows", Self.npy(Self.dict(shape: "(4294967296, 4294967296)"), body: body), "needs more data"),
            ("dimension past Int", Self.npy(Self.dict(shape: "(99999999999999999999, 1)"), body: body), "no readable shape"),
            ("not an integer", Self.npy(Self.dict(shape: "(2.5, 4)"), body: body), "no readable shape"),
            ("empty entry", Self.npy(Self.dict(shape: "(2,, 4)"), body: body), "no readable shape"),
            ("no shape", Self.npy("{'descr': '<f8', 'fortran_order': False, }", body: body), "no readable shape"),
            ("truncated data", Self.npy(Self.dict(shape: "(3, 4)"), body: Array(body.prefix(95 - 64))), "needs more data"),
            ("header longer than the file", Self.npy(Self.dict(shape: "(2, 2)"), declaredLength: 60_000), "truncated header"),
            ("header past the limit", Self.npy(Self.dict(shape: "(2, 2)"), major: 2, declaredLength: 1 << 31), "header longer than"),
            ("v2 header cut short", Array(Self.npy(Self.dict(shape: "(2, 2)"), major: 2).prefix(11)), "truncated header"),
            ("object dtype", Self.npy(Self.dict(shape: "(2, 2)", descr: "|O"), body: body), "unsupported dtype"),
            ("big-endian", Self.npy(Self.dict(shape: "(2, 2)", descr: ">f8"), body: body), "unsupported dtype"),
            ("version 9", Array(Self.npy(Self.dict(shape: "(2, 2)"), body: body).enumerated().map { $0.offset == 6 ? 9 : $0.element }),
             "unsupported format version"),
        ]
        for (name, bytes, fragment) in cases {
            let r = reason(bytes)
            #expect(r?.contains(fragment) == true, "\(name): \(r ?? "accepted")")
        }
        // What the header promises, exactly, is fine; so are empty arrays.
        #expect((try? NPY.decode(Self.npy(Self.dict(shape: "(2, 4)"), body: body)))?.values.count == 8)
        #expect((try? NPY.decode(Self.npy(Self.dict(shape: "(0, 4)"))))?.shape == [0, 4])
        #expect((try? NPY.decode(Self.npy(Self.dict(shape: "(5,)"), body: Array(body.prefix(40)))))?.shape == [5])
    }

    @Test func messagesNeverEchoTheFile() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-crafted")
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = TrialConfig()
        c.data = .file
        c.width = 8
        // A file a rogue coordinator might point a worker at.
        let secret = dir.appendingPathComponent("passwd").path
        try "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:SECRET:/usr/sbin\n".write(toFile: secret, atomically: true, encoding: .utf8)
        c.dataFile = secret
        let r = Trainer.train(c)
        #expect(r.status == .failed && r.message == "invalid data: data_file \(secret): line 2, column 1: not a number")
        // Labels and non-finite values: position and kind only.
        let csv = dir.appendingPathComponent("d.csv").path
        try "1,2,1\n3,4,1234.5678\n".write(toFile: csv, atomically: true, encoding: .utf8)
        c.dataFile = csv
        #expect(Trainer.train(c).message?.contains("1234") == false)
        try "1,2,1\n3,inf,1\n".write(toFile: csv, atomically: true, encoding: .utf8)
        #expect(Trainer.train(c).message == "invalid data: data_file \(csv): row 2, column 2: not a finite number")
        // A class label too large for Int is refused, not converted (a trap).
        c.loss = .crossEntropy
        c.outputs = 3
        try "1,2,0\n3,4,1e300\n".write(toFile: csv, atomically: true, encoding: .utf8)
        #expect(Trainer.train(c).message == "invalid data: data_file \(csv): row 2, column 3 (label): not a class 0…2")
        // An .npy with an unknown dtype does not name it.
        let npyPath = dir.appendingPathComponent("d.npy").path
        try Data(Self.npy(Self.dict(shape: "(2, 2)", descr: "<SECRET"), body: [UInt8](repeating: 0, count: 32))).write(to: URL(fileURLWithPath: npyPath))
        c.dataFile = npyPath
        #expect(Trainer.train(c).message?.contains("SECRET") == false)
    }

    @Test func dataFilesMustBeRegularAndBounded() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-crafted")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("fifo.csv").path
        #expect(mkfifo(fifo, 0o600) == 0)
        var c = TrialConfig()
        c.data = .file
        c.width = 8
        // Neither blocks (no writer on the FIFO) nor reads without end.
        for (path, kind) in [(fifo, "FIFO"), ("/dev/zero", "character device"), (dir.path, "directory")] {
            c.dataFile = path
            let r = Trainer.train(c)
            #expect(r.status == .failed && r.message?.contains(kind) == true, "\(r.message ?? "")")
        }
        #expect(RegularFile.contents(dir.appendingPathComponent("none").path, maxBytes: 10) == .failure(.notFound))
        let small = dir.appendingPathComponent("small").path
        try Data(repeating: 7, count: 11).write(to: URL(fileURLWithPath: small))
        #expect(RegularFile.contents(small, maxBytes: 10) == .failure(.tooLarge(size: 11, limit: 10)))
        #expect(RegularFile.contents(small, maxBytes: 11) == .success([UInt8](repeating: 7, count: 11)))
    }

    @Test func sizesThatOverflowOrExceedTheLimitAreRefusedByName() {
        var c = TrialConfig()
        c.width = 3_037_000_500  // width² > Int.max
        c.depth = 2
        #expect(SizeLimits.footprint(c).weights == nil && SizeLimits.footprint(c).total == nil)
        #expect(throws: ConfigError.self) { try SizeLimits.check(c) }
        func message(_ edit: (inout TrialConfig) -> Void) -> String {
            var c = TrialConfig()
            edit(&c)
            do { try SizeLimits.check(c); return "accepted" } catch { return error.message }
        }
        #expect(message { $0.width = 3_037_000_500; $0.depth = 2 }.contains("its weights (width 3037000500, depth 2"))
        #expect(message { $0.nTrain = 100_000_000_000 }.contains("its activations"))
        #expect(message { $0.nTest = Int.max }.contains("its data (n_train 256 + n_test \(Int.max)"))
        #expect(message { $0.depth = 1 << 40 }.contains("depth 1099511627776"))
        #expect(message { $0.metrics = .full; $0.nTrain = 3_000_000; $0.width = 4096 }.contains("metrics: full"))
        var wide = TrialConfig()
        wide.width = 100_000
        wide.depth = 3
        let weights = SizeLimits.footprint(wide).weights!
        #expect(message { $0.width = 100_000; $0.depth = 3 }
            .hasSuffix("need about \(SizeLimits.gib(weights)) GiB, more than the 64 GiB one trial may use"))
        // Ordinary and large-but-sane trials pass; negative sizes are left to validate().
        #expect(message { _ in } == "accepted")
        #expect(message { $0.width = 16_384; $0.depth = 4; $0.nTrain = 10_000 } == "accepted")
        #expect(message { $0.width = -5 } == "accepted")
    }

    /// Random headers and bodies, and random edits of a valid file: an error or
    /// a decoded array whose size the file holds, never a crash.
    @Test func mutatedNPYAndCSVNeverCrash() async {
        let valid = NPY.encode((0..<12).map(Double.init), shape: [3, 4])
        let alphabet = Array("(),-0123456789 '<>fiuO:{}".utf8)
        await propertyCheck(count: 2000, input: Gen.uint64()) { seed in
            var rng = SplitMix(seed: seed)
            var bytes = valid
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[at] = alphabet.randomElement(using: &rng)!
                case 1: bytes[at] = UInt8.random(in: 0...255, using: &rng)
                case 2: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...40, using: &rng)))
                default: bytes.insert(contentsOf: (0..<Int.random(in: 1...8, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }, at: at)
                }
                if bytes.isEmpty { bytes = [0] }
            }
            if let (shape, values) = try? NPY.decode(bytes) {
                #expect(values.count == shape.reduce(1, *) && values.count * 4 <= bytes.count)
            }
            // The same bytes as CSV: numbers or a line/column, never a trap.
            if let (rows, columns, values) = try? DataFile.parseCSV(bytes) {
                #expect(values.count == rows * columns || rows == 0)
            }
        }
    }

}

