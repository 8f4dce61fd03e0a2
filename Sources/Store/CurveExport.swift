import Foundation
import TrialContract

/// Training curves in long ("tidy") form for pandas, DuckDB or R: one row per
/// (trial, metric, step) with columns `id`, the sweep's axes (the same config
/// columns as `CSVExport`), `metric`, `step`, `value`. Trials without curves
/// (failed ones) contribute no rows; join on `id` for anything else.
public enum CurveExport {
    /// The columns that follow the axes; an axis with one of these names (or `id`) is written as `config.NAME`.
    static let fixedColumns = ["metric", "step", "value"]

    public static func columns(_ records: [TrialRecord], allConfig: Bool) -> (columns: [String], axisKeys: [String], configs: [[String: String]]) {
        let flat = records.map { CSVExport.flatConfig($0.config) }
        let keys = CSVExport.axisKeys(flat, allConfig: allConfig)
        let reserved = Set(["id"] + fixedColumns)
        let columns = ["id"] + keys.map { reserved.contains($0) ? "config.\($0)" : $0 } + fixedColumns
        let configs = flat.map { Dictionary($0, uniquingKeysWith: { a, _ in a }) }
        return (columns, keys, configs)
    }

    /// The CSV text in chunks (the header, then one chunk per trial), and the number of data rows.
    public static func csvChunks(_ records: [TrialRecord], allConfig: Bool) -> (chunks: [[UInt8]], rows: Int) {
        let (columns, keys, configs) = columns(records, allConfig: allConfig)
        var chunks = [Array((columns.map(CSVExport.field).joined(separator: ",") + "\r\n").utf8)]
        var rows = 0
        for (record, config) in zip(records, configs) where !record.result.curves.isEmpty {
            let prefix = ([record.id.rawValue] + keys.map { config[$0] ?? "" }).map(CSVExport.field).joined(separator: ",")
            var text = ""
            for (metric, curve) in record.result.curves.sorted(by: { $0.key < $1.key }) {
                let lead = prefix + "," + CSVExport.field(metric) + ","
                for (step, value) in zip(curve.steps, curve.values) {
                    text += lead + "\(step),\(value)\r\n"
                    rows += 1
                }
            }
            chunks.append(Array(text.utf8))
        }
        return (chunks, rows)
    }

    /// Writes the long-format CSV atomically; returns the number of data rows.
    @discardableResult
    public static func write(_ records: [TrialRecord], to path: String, allConfig: Bool) throws -> Int {
        let (chunks, rows) = csvChunks(records, allConfig: allConfig)
        try OutputTarget.write(path, chunks: chunks)
        return rows
    }
}
