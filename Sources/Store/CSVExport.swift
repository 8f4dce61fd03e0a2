import Foundation
import TrialContract

/// A flat table of trials for spreadsheets and pandas: id, sub-sweep,
/// status, config fields, final metrics, then run facts.
public enum CSVExport {
    public static func table(_ records: [TrialRecord], allConfig: Bool) -> (columns: [String], rows: [[String]]) {
        let configs = records.map { flatConfig($0.config) }
        let configKeys = axisKeys(configs, allConfig: allConfig)
        let fixed = ["id", "sweep", "status"]
        let tail = ["steps_run", "seconds", "worker", "host", "attempt", "started_at", "ended_at", "message", "build", "blas"]
        let metricNames = Set(records.flatMap { $0.result.metrics.keys }).sorted()
        let taken = Set(fixed + tail + configKeys)
        let metricColumns = metricNames.map { taken.contains($0) ? "metric.\($0)" : $0 }
        let columns = fixed + configKeys + metricColumns + tail
        let rows = zip(records, configs).map { r, config -> [String] in
            var row = [r.id.rawValue, r.sweep, r.result.status.rawValue]
            let lookup = Dictionary(config, uniquingKeysWith: { a, _ in a })
            row += configKeys.map { lookup[$0] ?? "" }
            row += metricNames.map { r.result.metrics[$0].map { "\($0)" } ?? "" }
            row += ["\(r.result.stepsRun)", "\(r.result.timing.seconds)", r.worker, r.host, "\(r.attempt)",
                    Timestamp.format(r.startedAt), Timestamp.format(r.endedAt), r.result.message ?? "", r.build ?? "", r.blas ?? ""]
            return row
        }
        return (columns, rows)
    }

    /// The config fields that get a column, in first-seen order: those whose
    /// value differs between trials (the sweep's axes), or every field.
    static func axisKeys(_ configs: [[(String, String)]], allConfig: Bool) -> [String] {
        var keys: [String] = []
        for c in configs { for (k, _) in c where !keys.contains(k) { keys.append(k) } }
        guard !allConfig else { return keys }
        return keys.filter { key in
            let values = configs.map { c in c.first { $0.0 == key }?.1 ?? "" }
            return Set(values).count > 1
        }
    }

    /// RFC 4180: a field with a comma, quote, CR or LF (or outer spaces) is quoted, quotes doubled.
    public static func field(_ s: String) -> String {
        let needsQuotes = s.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
            || s.first == " " || s.last == " "
        return needsQuotes ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    public static func csv(columns: [String], rows: [[String]]) -> String {
        var out = columns.map(field).joined(separator: ",") + "\r\n"
        for row in rows { out += row.map(field).joined(separator: ",") + "\r\n" }
        return out
    }

    /// Writes the CSV atomically; returns (rows, columns).
    @discardableResult
    public static func write(_ records: [TrialRecord], to path: String, allConfig: Bool) throws -> (rows: Int, columns: Int) {
        let t = table(records, allConfig: allConfig)
        try OutputTarget.write(path, chunks: [Array(csv(columns: t.columns, rows: t.rows).utf8)])
        return (t.rows.count, t.columns.count)
    }

    /// A config as (field, text) pairs in its encoding order (absent
    /// optionals left out): strings bare, numbers and lists as canonical JSON.
    static func flatConfig(_ config: TrialConfig) -> [(String, String)] {
        TrialConfig.Field.allCases.compactMap { f in config.json(f).map { (f.rawValue, $0.display) } }
    }
}
