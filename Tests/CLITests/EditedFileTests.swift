import Foundation
import TestSupport
import Testing
@testable import Store

/// Files other tools rewrote, `oversweep filter`, and `status`'s exit codes
/// and `--json`, through the binary.
@Suite struct EditedFileTests {
    /// 30 synthetic records (statuses ok, diverged; no failed below index 96).
    static func resultFile(in dir: URL, count: Int = 30) throws -> String {
        let path = dir.appendingPathComponent("r.jsonl").path
        let store = try ResultStore.open(path: path, creating: SyntheticRecords.header())
        for i in 0..<count { try store.append(SyntheticRecords.make(index: i)) }
        try store.close()
        return path
    }

    static func jq(_ filter: String, _ input: String, to output: String) throws {
        let jq = try #require(Subprocess.which("jq"), "jq is installed by make test-deps")
        let r = try Subprocess.run(jq, ["-c", filter, input])
        #expect(r.status == 0, "\(r.stderr)")
        try r.stdout.write(toFile: output, atomically: true, encoding: .utf8)
    }

    static func ids(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap {
            (try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]).flatMap { $0["kind"] as? String == "trial" ? $0["id"] as? String : nil }
        }
    }

    @Test func aJqFilteredFileIsOneLineOfErrorUnlessAskedAndThenCounted() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.resultFile(in: dir)
        let edited = dir.appendingPathComponent("edited.jsonl").path
        // jq keeps the header and prints 0.0 as 0: every kept line fails its checksum.
        try Self.jq(#"select(.kind == "header" or .metrics.test_error < 0.2)"#, path, to: edited)
        let kept = try Self.ids(edited)
        #expect(!kept.isEmpty && kept.count < 30)
        // jq may print the header line byte for byte (then its checksum still holds).
        let headerKept = try String(contentsOfFile: edited, encoding: .utf8).split(separator: "\n").first
            == String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").first
        let unverified = kept.count + (headerKept ? 0 : 1)

        let csv = dir.appendingPathComponent("e.csv").path
        for args in [["status", edited], ["export", edited, "--csv", csv], ["report", edited, "-o", dir.appendingPathComponent("rep").path]] {
            let r = try OversweepBinary.run(args)
            #expect(r.status != 0, "\(args[0])")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].contains("none of its \(kept.count) lines after the header is readable")
                    && lines[0].contains("--accept-edited"), "\(args[0]): \(r.stderr)")
            #expect(args[0] != "status" || (r.status == 8 && r.stdout.isEmpty), "\(r.status) \(r.stdout)")
        }
        #expect(!FileManager.default.fileExists(atPath: csv))

        // Asked to, they read every line that parses as a complete record, and count them.
        let status = try OversweepBinary.run(["status", edited, "--accept-edited"])
        #expect(status.stdout.contains("trials recorded: \(kept.count) ") && status.stdout.contains("unverified lines: \(unverified)"),
                "\(status.stdout) \(status.stderr)")
        #expect(status.status & 8 == 0)
        let export = try OversweepBinary.run(["export", edited, "--csv", csv, "--accept-edited"])
        #expect(export.status == 0 && export.stdout.contains("wrote \(kept.count) rows"), "\(export.stderr)")
        #expect(export.stderr.contains("\(unverified) lines accepted without a valid checksum"), "\(export.stderr)")
        let report = try OversweepBinary.run(["report", edited, "-o", dir.appendingPathComponent("rep").path, "--accept-edited"])
        #expect(report.status == 0, "\(report.stderr)")

        // A line that does not parse is still refused, flag or not.
        var text = try String(contentsOfFile: edited, encoding: .utf8)
        text += #"{"kind":"trial","id":"half"#
        text += "\n"
        try text.write(toFile: edited, atomically: true, encoding: .utf8)
        let partial = try OversweepBinary.run(["status", edited, "--accept-edited"])
        #expect(partial.status & 8 == 8 && partial.stdout.contains("unreadable lines: 1"), "\(partial.stdout)")
        #expect(partial.stderr.contains("edited.jsonl:\(kept.count + 2): no checksum, line skipped"), "\(partial.stderr)")

        // jq without the header line: read with the flag too.
        let headless = dir.appendingPathComponent("headless.jsonl").path
        try Self.jq(#"select(.status == "ok")"#, path, to: headless)
        #expect(try OversweepBinary.run(["status", headless]).status == 1)
        let h = try OversweepBinary.run(["status", headless, "--accept-edited"])
        let headlessCount = try Self.ids(headless).count
        #expect(h.stdout.contains("no header line") && h.stdout.contains("trials recorded: \(headlessCount) "), "\(h.stdout)")
    }

    @Test func filterWritesAValidResultFileOfTheTrialsThatMatch() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.resultFile(in: dir)
        let viaJq = dir.appendingPathComponent("jq.jsonl").path
        try Self.jq(#"select(.kind == "trial" and .metrics.test_error < 0.2 and .config.width >= 128)"#, path, to: viaJq)
        let out = dir.appendingPathComponent("f.jsonl").path
        let r = try OversweepBinary.run(["filter", path, "--where", "metrics.test_error<0.2", "--where", "width>=128", "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        let expected = try Self.ids(viaJq)
        let filtered = try Self.ids(out)
        #expect(!expected.isEmpty && filtered == expected)
        #expect(r.stdout.contains("kept \(expected.count) of 30 trials"))
        // Every line verifies: status reads it without --accept-edited and finds nothing unreadable.
        let status = try OversweepBinary.run(["status", out, "--json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(json["unreadable_lines"] as? Int == 0 && json["unverified_lines"] as? Int == 0 && json["recorded"] as? Int == expected.count)
        #expect(try String(contentsOfFile: out, encoding: .utf8).hasPrefix(String(decoding: LineCodec.encode(SyntheticRecords.header()), as: UTF8.self)))

        // Equality on strings and statuses, inequality, and a typo refused with a suggestion.
        let ok = try OversweepBinary.run(["filter", path, "--where", "status=ok", "--where", "alpha!=0", "--where", "activation=leaky", "-o", out])
        let nonzeroAlpha = (0..<30).filter { $0 % 7 != 0 }.count   // alpha = (i mod 7) / 10
        #expect(ok.status == 0 && ok.stdout.contains("kept \(nonzeroAlpha) of 30"), "\(ok.stdout) \(ok.stderr)")
        #expect(try Self.ids(out).count == nonzeroAlpha)
        let typo = try OversweepBinary.run(["filter", path, "--where", "widht>=128", "-o", out])
        #expect(typo.status != 0 && typo.stderr.split(separator: "\n").count == 1 && typo.stderr.contains("did you mean 'width'"), "\(typo.stderr)")
        let bad = try OversweepBinary.run(["filter", path, "--where", "width~128", "-o", out])
        #expect(bad.status != 0 && bad.stderr.contains("KEY OP VALUE"), "\(bad.stderr)")
    }

    /// 0 complete; 2 remaining, 4 failed, 8 unreadable, summed; --json says the same.
    @Test func statusExitCodesAddUpAndJSONAgrees() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // 100 synthetic records include a failed one (index 96); corrupt one line too.
        let path = try Self.resultFile(in: dir, count: 100)
        var bytes = try TestFiles.bytes(path)
        let third = bytes.indices.filter { bytes[$0] == 0x0A }[1] + 1
        bytes[third + 30] ^= 0x01
        try TestFiles.write(bytes, to: path)
        let r = try OversweepBinary.run(["status", path, "--json"])
        #expect(r.status == 12, "failed (4) + unreadable (8): \(r.stdout) \(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(json["exit_code"] as? Int == 12 && json["complete"] as? Bool == false && json["unreadable_lines"] as? Int == 1)
        #expect((json["statuses"] as? [String: Any])?["failed"] as? Int == 1 && json["recorded"] as? Int == 99)
        #expect(json["plan"] is NSNull, "the synthetic spec cannot be planned: no remaining count")

        // A real sweep: complete (0), then a grid that grows (2).
        let spec = dir.appendingPathComponent("s.yaml").path
        let out = dir.appendingPathComponent("s.jsonl").path
        try "name: s\n\(baseYAML)\ngrid:\n  seeds: 2\n".write(toFile: spec, atomically: true, encoding: .utf8)
        #expect(try OversweepBinary.run(["run", spec, "--workers", "1", "--out", out, "--quiet"]).status == 0)
        #expect(try OversweepBinary.run(["status", out]).status == 0)
        try "name: s\n\(baseYAML)\ngrid:\n  seeds: 3\n".write(toFile: spec, atomically: true, encoding: .utf8)
        let grown = try OversweepBinary.run(["status", out, "--spec", spec, "--json"])
        let g = try #require(try JSONSerialization.jsonObject(with: Data(grown.stdout.utf8)) as? [String: Any])
        let plan = g["plan"] as? [String: Any]
        #expect(grown.status == 2 && plan?["remaining"] as? Int == 1 && plan?["planned"] as? Int == 3 && plan?["spec"] as? String == spec)
    }
}
