import Foundation
import TestSupport
import Testing
@testable import Store

/// Output options never destroy what they point at: regular files are
/// replaced atomically, links followed, FIFOs and devices written through,
/// `-` is stdout. Run as whoever runs the tests (root in CI, where a rename
/// over a device node would succeed).
@Suite struct OutputTargetTests {
    /// A result file of 12 synthetic records, and the CSV `export --csv -` prints for it.
    struct Fixture {
        let dir: URL
        let results: String
        let csv: String

        init() throws {
            dir = try TestFiles.temporaryDirectory()
            results = dir.appendingPathComponent("r.jsonl").path
            let store = try ResultStore.open(path: results, creating: SyntheticRecords.header())
            for i in 0..<12 { try store.append(SyntheticRecords.make(index: i)) }
            try store.close()
            let r = try OversweepBinary.run(["export", results, "--csv", "-"])
            #expect(r.status == 0 && r.stderr.contains("wrote 12 rows"), "\(r.stderr)")
            csv = r.stdout
        }

        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
    }

    static func fileType(_ path: String) -> FileAttributeType? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType
    }

    static func inode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.systemFileNumber] as? Int
    }

    @Test func dashIsStdoutForEveryOutputOption() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        #expect(f.csv.hasPrefix("id,sweep,status,") && f.csv.split(separator: "\r\n").count == 13)
        #expect(!FileManager.default.fileExists(atPath: f.path("-")) && !FileManager.default.fileExists(atPath: "-"))
        let curves = try OversweepBinary.run(["export", f.results, "--curves", "-"])
        #expect(curves.status == 0 && curves.stdout.hasPrefix("id,") && curves.stdout.contains(",metric,step,value\r\n"))
        #expect(curves.stderr.contains("curve points") && !curves.stdout.contains("wrote"))
        // merge -o - and filter -o - print result files: status reads them back.
        for args in [["merge", f.results, "-o", "-"], ["filter", f.results, "--where", "status=ok", "-o", "-"]] {
            let r = try OversweepBinary.run(args)
            #expect(r.status == 0 && r.stdout.hasPrefix(#"{"kind":"header""#), "\(args): \(r.stderr)")
            let copy = f.path("\(args[0]).jsonl")
            try r.stdout.write(toFile: copy, atomically: true, encoding: .utf8)
            let status = try OversweepBinary.run(["status", copy])
            #expect(status.stdout.contains("trials recorded: ") && status.status & 8 == 0, "\(args): \(status.stdout)")
        }
        let report = try OversweepBinary.run(["report", f.results, "-o", "-"])
        #expect(report.status == 0 && report.stdout.hasPrefix("<!DOCTYPE html>") && report.stdout.contains("<svg"), "\(report.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "-"))
        // Two tables to one stdout would interleave: refused.
        #expect(try OversweepBinary.run(["export", f.results, "--csv", "-", "--curves", "/dev/stdout"]).status != 0)
    }

    @Test func devStdoutIsWrittenThroughNotReplaced() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let r = try OversweepBinary.run(["export", f.results, "--csv", "/dev/stdout"])
        #expect(r.status == 0 && r.stdout == f.csv, "\(r.stderr)")
        #expect(Self.fileType("/dev/stdout") == .typeSymbolicLink)
    }

    @Test func aRegularFileIsReplacedAtomicallyKeepingItsPermissions() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let target = f.path("table.csv")
        try "old contents\n".write(toFile: target, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: target)
        let before = Self.inode(target)
        let r = try OversweepBinary.run(["export", f.results, "--csv", target])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == f.csv)
        #expect(Self.inode(target) != before, "a new file renamed into place, not rewritten in place")
        #expect((try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int) == 0o640)
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.dir.path).filter { $0.contains(".tmp-") }.isEmpty)
    }

    @Test func aSymlinkIsFollowedToItsTargetAndStaysALink() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let target = f.path("real.csv"), link = f.path("link.csv")
        try "old\n".write(toFile: target, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "real.csv")
        #expect(try OversweepBinary.run(["export", f.results, "--csv", link]).status == 0)
        let destination = try FileManager.default.destinationOfSymbolicLink(atPath: link)
        #expect(Self.fileType(link) == .typeSymbolicLink && destination == "real.csv")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == f.csv)
        // A link whose target does not exist yet: the target is created, the link kept.
        let dangling = f.path("dangling.jsonl")
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: f.path("merged.jsonl"))
        #expect(try OversweepBinary.run(["merge", f.results, "-o", dangling]).status == 0)
        #expect(Self.fileType(dangling) == .typeSymbolicLink && Self.fileType(f.path("merged.jsonl")) == .typeRegular)
        #expect(try OversweepBinary.run(["status", dangling]).stdout.contains("trials recorded: 12"))
    }

    @Test func aFIFOIsStreamedThroughNotReplaced() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let fifo = f.path("pipe")
        _ = try Subprocess.run(try #require(Subprocess.which("mkfifo")), [fifo])
        // A reader on the other end, as a user's `cat pipe` would be.
        let captured = f.path("captured.csv")
        let reader = Process()
        let sh: URL = try #require(Subprocess.which("sh"))
        reader.executableURL = sh
        reader.arguments = ["-c", "cat \"$0\" > \"$1\"", fifo, captured]
        try reader.run()
        let (r, _, hung) = try Subprocess.run(OversweepBinary.url, ["export", f.results, "--csv", fifo], timeout: 30)
        reader.waitUntilExit()
        #expect(!hung && r.status == 0, "\(r.stderr)")
        #expect(Self.isFIFO(fifo), "still a FIFO")
        #expect(try String(contentsOfFile: captured, encoding: .utf8) == f.csv)
    }

    static func isFIFO(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFIFO
    }

    static func isCharacterDevice(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFCHR
    }

    @Test func aCharacterDeviceIsWrittenThroughNotReplaced() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        // As root, a private null device (a regression would replace it, not the system's);
        // as anyone else /dev/null, which nobody but root could replace.
        var device = "/dev/null"
        if getuid() == 0 {
            device = f.path("null")
            #expect(mknod(device, S_IFCHR | 0o666, makedev(1, 3)) == 0)
        }
        for args in [["export", f.results, "--csv", device, "--curves", device], ["merge", f.results, "-o", device],
                     ["filter", f.results, "--where", "status=ok", "-o", device]] {
            let r = try OversweepBinary.run(args)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            #expect(Self.isCharacterDevice(device), "\(args) replaced \(device)")
        }
    }

    @Test func aDirectoryIsRefusedWithOneLine() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let r = try OversweepBinary.run(["export", f.results, "--csv", f.dir.path])
        #expect(r.status != 0 && r.stderr.split(separator: "\n").count == 1 && r.stderr.contains("is a directory"), "\(r.stderr)")
    }
}

private func makedev(_ major: UInt32, _ minor: UInt32) -> dev_t {
    // glibc's encoding (gnu_dev_makedev).
    let ma = UInt64(major), mi = UInt64(minor)
    return dev_t((mi & 0xff) | ((ma & 0xfff) << 8) | ((mi & ~0xff) << 12) | ((ma & ~0xfff) << 32))
}
