import Foundation
import Store
import TestSupport
import Testing
import TrialContract

/// `oversweep export FILE --curves OUT.csv`: every recorded curve point as one
/// tidy row (id, the sweep's axes, metric, step, value).
@Suite struct CurveExportTests {
    /// width × lr with curves of different lengths, a trial that failed (no
    /// curves) and one that diverged (a cut-short curve).
    static func records() -> [TrialRecord] {
        var out: [TrialRecord] = []
        var n = 0
        for width in [8, 32, 64] {
            for lr in [0.1, 0.05] {
                n += 1
                var c = TrialConfig()
                c.width = width
                c.lr = lr
                let status: TrialStatus = width == 64 ? (lr == 0.1 ? .failed : .diverged) : .ok
                var curves: [String: Curve] = [:]
                if status != .failed {
                    let steps = Array(0..<(2 + n))
                    curves["train_loss"] = Curve(steps: steps.map { $0 * 10 }, values: steps.map { 0.7 / Double($0 + 1) + 0.1 + 0.2 })
                    curves["test_error"] = Curve(steps: [0, 100], values: [0.5, n == 3 ? 1e-300 : 0.25 * lr])
                }
                let result = TrainingResult(status: status, message: status == .failed ? "worker lost" : nil,
                                            metrics: status == .ok ? ["train_loss": 0.3] : [:], curves: curves, stepsRun: 100)
                out.append(TrialRecord(id: TrialID(rawValue: "trial-\(n)"), config: c, result: result, worker: "w", host: "h",
                                       attempt: 1, startedAt: Date(timeIntervalSince1970: 0), endedAt: Date(timeIntervalSince1970: 1)))
            }
        }
        return out
    }

    /// Splits CRLF-terminated CSV without quoted fields (ids, numbers and field names need none).
    static func rows(_ path: String) throws -> [[String]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasSuffix("\r\n") && !text.contains("\""))
        return text.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    @Test func curvesExportHasOneRowPerPointWithTheCSVAxisColumns() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let results = dir.appendingPathComponent("r.jsonl").path
        let records = Self.records()
        var bytes = LineCodec.encode(SyntheticRecords.header(name: "curves"))
        for r in records { bytes += try LineCodec.encode(r) }
        try Data(bytes).write(to: URL(fileURLWithPath: results))

        let table = dir.appendingPathComponent("trials.csv").path
        let curves = dir.appendingPathComponent("curves.csv").path
        let r = try OversweepBinary.run(["export", results, "--csv", table, "--curves", curves])
        #expect(r.status == 0, "\(r.stderr)")
        let points = records.reduce(0) { $0 + $1.result.curves.values.reduce(0) { $0 + $1.steps.count } }
        #expect(points == (3 + 4 + 5 + 6 + 0 + 8) + 2 * 5)
        #expect(r.stdout.contains("wrote \(points) curve points of 5 trials to \(curves)"), "\(r.stdout)")

        // The axis columns are those of --csv: after id, sweep, status and before the metrics.
        let trialRows = try Self.rows(table)
        let axes = Array(trialRows[0].dropFirst(3).prefix { $0 != "train_loss" })
        #expect(Set(axes) == ["width", "lr"], "\(trialRows[0])")
        let axesByID = Dictionary(uniqueKeysWithValues: trialRows.dropFirst().map { ($0[0], Array($0[3..<(3 + axes.count)])) })

        let rows = try Self.rows(curves)
        #expect(rows[0] == ["id"] + axes + ["metric", "step", "value"], "\(rows[0])")
        #expect(rows.count - 1 == points)
        var seen: [String: [(Int, Double)]] = [:]
        for row in rows.dropFirst() {
            #expect(row.count == axes.count + 4)
            #expect(Array(row[1...axes.count]) == axesByID[row[0]], "\(row)")
            guard let step = Int(row[axes.count + 2]), let value = Double(row[axes.count + 3]) else {
                Issue.record("not a number: \(row)"); continue
            }
            seen[row[0] + " " + row[axes.count + 1], default: []].append((step, value))
        }
        // Every point of every curve, in order, values exact.
        for record in records {
            for (metric, curve) in record.result.curves {
                let got = seen.removeValue(forKey: record.id.rawValue + " " + metric) ?? []
                #expect(got.map(\.0) == curve.steps && got.map(\.1) == curve.values, "\(record.id.rawValue) \(metric)")
            }
        }
        #expect(seen.isEmpty, "rows of no recorded curve: \(seen.keys.sorted())")

        // --all-config: every field, as in --csv --all-config.
        let all = try OversweepBinary.run(["export", results, "--curves", curves, "--all-config"])
        #expect(all.status == 0, "\(all.stderr)")
        // (Its list-valued fields, such as named_steps, are quoted: read the header line only.)
        let header = try String(contentsOfFile: curves, encoding: .utf8).prefix { $0 != "\r\n" }.split(separator: ",").map(String.init)
        #expect(header.contains("depth") && header.contains("activation") && header.suffix(3) == ["metric", "step", "value"])

        try checkWithPandas(curves, records: records)
    }

    /// What a pandas user sees: the row count and the points per (id, metric).
    func checkWithPandas(_ path: String, records: [TrialRecord]) throws {
        let hasPandas = (try? Shell.run("python3", ["-c", "import pandas"]))?.status == 0
        guard hasPandas else { return print("skipped: pandas not installed (pip install pandas to run the pandas check)") }
        let out = try Shell.run("python3", ["-c", """
            import pandas as pd, sys
            df = pd.read_csv(sys.argv[1])
            print(len(df), df['step'].dtype, df['value'].dtype)
            for (i, m), n in sorted(df.groupby(['id', 'metric']).size().items()):
                print(i, m, n)
            """, path])
        #expect(out.status == 0, "\(out.stderr)")
        let total = records.reduce(0) { $0 + $1.result.curves.values.reduce(0) { $0 + $1.steps.count } }
        let groups = records.flatMap { r in r.result.curves.map { "\(r.id.rawValue) \($0.key) \($0.value.steps.count)" } }.sorted()
        #expect(out.stdout == (["\(total) int64 float64"] + groups).joined(separator: "\n") + "\n", "\(out.stdout)")
    }

    @Test func exportWithoutAnOutputIsRefused() throws {
        let r = try OversweepBinary.run(["export", "whatever.jsonl"])
        #expect(r.status != 0)
        #expect(r.stderr.hasPrefix("Error: give --csv PATH, --curves PATH or both"), "\(r.stderr)")
    }
}
