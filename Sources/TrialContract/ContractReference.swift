import Foundation

// The contract as documentation: docs/spec-format.md and
// docs/result-format.md embed these tables, and a test checks that they are
// current, so the docs cannot drift from the field table and metric list.

public enum ContractReference {
    /// Markdown table of every config field: name, type, default, meaning.
    public static var configFields: String {
        var out = "| field | value | default | meaning |\n|---|---|---|---|\n"
        for spec in TrialConfig.Field.allCases.map(\.spec) {
            let value = spec.expected.replacingOccurrences(of: "one of: ", with: "") + (spec.isOptional ? " (optional)" : "")
            out += "| `\(spec.field.rawValue)` | \(value) | \(spec.defaultText) | \(spec.doc.replacingOccurrences(of: "|", with: "\\|")) |\n"
        }
        return out
    }

    /// Markdown table of every metric name the core records.
    public static var metrics: String {
        var out = "| metric | curve | meaning |\n|---|---|---|\n"
        for m in Metric.allCases { out += "| `\(m.rawValue)` | \(m.isCurve ? "yes" : "") | \(m.meaning) |\n" }
        for m in LayerMetric.allCases { out += "| `\(m.rawValue)_<layer>` | yes | \(m.meaning) |\n" }
        return out
    }
}
