import Foundation
import Store
import Sweep
import TestSupport
import Testing
import Training
import TrialContract

@Suite struct ReportCommandTests {
    /// A small result file: α × 2 seeds with curves, one diverged trial, a header line.
    static func writeResults(to path: String) throws {
        var bytes = LineCodec.encode(SyntheticRecords.header(name: "report-test"))
        for alpha in [-1.0, 0, 0.5] {
            for seed in UInt64(1)...2 {
                var c = TrialConfig()
                c.activation = .leaky
                c.alpha = alpha
                c.seed = seed
                let status: TrialStatus = alpha == 0.5 && seed == 2 ? .diverged : .ok
                let loss = Curve(steps: [0, 1, 10, 100], values: [0.7, 0.6, 0.3 + 0.1 * alpha, 0.2 + 0.1 * alpha])
                let result = TrainingResult(status: status, message: status == .ok ? nil : "loss became inf",
                                            metrics: status == .ok ? ["train_loss": 0.2 + 0.1 * alpha, "train_error": 0.1 + 0.05 * alpha] : [:],
                                            curves: ["train_loss": loss], stepsRun: 100)
                let r = TrialRecord(id: TrialID(rawValue: "t\(alpha)-\(seed)"), config: c, result: result, worker: "w", host: "h",
                                    attempt: 1, startedAt: Date(timeIntervalSince1970: 0), endedAt: Date(timeIntervalSince1970: 1))
                bytes += try LineCodec.encode(r)
            }
        }
        // A torn last line, as after a crash mid-write: reported, not fatal.
        bytes += Array(#"{"kind":"trial","id":"torn"#.utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func reportWritesMarkdownHTMLAndSVGs() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let results = dir.appendingPathComponent("results.jsonl").path
        try Self.writeResults(to: results)
        let out = dir.appendingPathComponent("report").path
        // The header's spec names no experiment: --experiment asks for E1's sections.
        let r = try OversweepBinary.run(["report", results, "-o", out, "--experiment", "e1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains(out) && r.stdout.contains("6 trials") && r.stdout.contains("1 diverged"))
        #expect(r.stdout.contains("reference figures: E1 — error by leaky-ReLU slope α"))
        #expect(r.stderr.contains("warning") && r.stderr.contains("torn"))
        let md = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        let html = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        #expect(md.contains("n=1 (1 diverged)") && md.contains("E1") && md.hasPrefix("# OverSweep report: report-test"))
        #expect(html.contains("<svg") && html.contains("</html>"))
        let svgs = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".svg") }
        #expect(!svgs.isEmpty)
    }

    @Test func anUnknownExperimentIsRefused() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let results = dir.appendingPathComponent("results.jsonl").path
        try Self.writeResults(to: results)
        let r = try OversweepBinary.run(["report", results, "-o", dir.appendingPathComponent("r").path, "--experiment", "E9"])
        #expect(r.status != 0 && r.stderr.contains("--experiment E9: not a reference experiment (E1, E2, E3, E4, E5, E6, E7)"))
        // Without it, an α sweep is reported as any sweep: no reference section.
        let plain = try OversweepBinary.run(["report", results, "-o", dir.appendingPathComponent("p").path])
        #expect(plain.status == 0 && !plain.stdout.contains("reference figures"))
        let md = try String(contentsOfFile: dir.appendingPathComponent("p/report.md").path, encoding: .utf8)
        #expect(!md.contains("## E1") && md.contains("## Best trials"))
    }

    @Test func headerlessRecordLinesAreReadToo() throws {
        // What the coordinator wrote before it used the Store: TrialRecord JSON per line, ISO dates.
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        var lines: [String] = []
        for seed in UInt64(1)...3 {
            var c = TrialConfig()
            c.seed = seed
            let r = TrialRecord(id: TrialID(rawValue: "plain-\(seed)"), config: c,
                                result: TrainingResult(status: .ok, metrics: ["train_loss": 0.1 * Double(seed)], stepsRun: 10),
                                worker: "w", host: "h", attempt: 1, startedAt: Date(timeIntervalSince1970: 0), endedAt: Date(timeIntervalSince1970: 1))
            lines.append(String(decoding: try encoder.encode(r), as: UTF8.self))
        }
        let path = dir.appendingPathComponent("plain.jsonl").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("r").path
        let r = try OversweepBinary.run(["report", path, "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        let md = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        #expect(md.contains("0.2 ± 0.1") && md.contains("n=3"))
    }

    @Test func helpNamesTheArguments() throws {
        let r = try OversweepBinary.run(["report", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("USAGE: oversweep report <RESULTS.jsonl> --out <DIR> [--title <title>]"))
    }

    @Test func badResultFileGetsOneLineAndNonZeroExit() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let garbage = dir.appendingPathComponent("garbage.jsonl").path
        try "this is not json\n{\"also\": \"not a record\"}\n".write(toFile: garbage, atomically: true, encoding: .utf8)
        let r = try OversweepBinary.run(["report", garbage, "-o", dir.appendingPathComponent("out").path])
        #expect(r.status != 0)
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains(garbage))

        let missing = try OversweepBinary.run(["report", dir.appendingPathComponent("nope.jsonl").path, "-o", dir.path])
        #expect(missing.status != 0 && missing.stderr.contains("nope.jsonl") && missing.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))
    }
}
