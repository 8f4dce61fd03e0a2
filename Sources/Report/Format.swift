import Fitting
import Foundation
import TrialContract

/// Number formatting for tables and plot labels: three significant digits,
/// scientific notation only for very large or very small magnitudes.
public enum Format {
    public static func number(_ x: Double, digits: Int = 3) -> String {
        guard x.isFinite else { return x.isNaN ? "NaN" : (x > 0 ? "inf" : "-inf") }
        if x == 0 { return "0" }
        let a = abs(x)
        if a >= 1e5 || a < 1e-3 {
            var s = String(format: "%.\(max(0, digits - 1))e", x)
            // "1.50e-05" → "1.5e-5": shorter and still unambiguous.
            if let e = s.firstIndex(of: "e") {
                var mantissa = String(s[..<e])
                var exponent = String(s[s.index(after: e)...])
                if mantissa.contains(".") {
                    while mantissa.hasSuffix("0") { mantissa.removeLast() }
                    if mantissa.hasSuffix(".") { mantissa.removeLast() }
                }
                let negative = exponent.hasPrefix("-")
                exponent = String(exponent.drop { $0 == "-" || $0 == "+" || $0 == "0" })
                if exponent.isEmpty { exponent = "0" }
                s = mantissa + "e" + (negative ? "-" : "") + exponent
            }
            return s
        }
        if a >= 1000 && x == x.rounded() { return String(format: "%.0f", x) }
        var s = String(format: "%.\(digits)g", x)
        if s.contains("e") { s = String(format: "%.0f", x) }
        return s
    }

    /// "0.0391 ± 0.0042"; "0.0391 ± —" when there is a single value.
    public static func meanStd(_ s: Summary?, digits: Int = 3) -> String {
        guard let s else { return "—" }
        return number(s.mean, digits: digits) + " ± " + (s.std.map { number($0, digits: 2) } ?? "—")
    }

    /// Lowest first; values that print alike are a tie, named together:
    /// "α=-1 (0.022) < α=-2 = α=0 (0.039)" (never "α=-2 (0.039) < α=0 (0.039)").
    public static func ordering(_ items: [(label: String, value: Double)]) -> String {
        let sorted = items.enumerated().sorted { ($0.element.value, $0.offset) < ($1.element.value, $1.offset) }.map(\.element)
        var ties: [(labels: [String], value: String)] = []
        for item in sorted {
            let value = number(item.value)
            if ties.last?.value == value {
                ties[ties.count - 1].labels.append(item.label)
            } else {
                ties.append(([item.label], value))
            }
        }
        return ties.map { $0.labels.joined(separator: " = ") + " (\($0.value))" }.joined(separator: " < ")
    }

    /// A span of time for people: "12 s", "5m 07s", "2h 03m", "3d 04h".
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "—" }
        if seconds < 60 { return seconds < 10 ? String(format: "%.1f s", seconds) : "\(Int(seconds.rounded())) s" }
        let s = Int(seconds.rounded())
        if s < 3600 { return String(format: "%dm %02ds", s / 60, s % 60) }
        if s < 86400 { return String(format: "%dh %02dm", s / 3600, s % 3600 / 60) }
        return String(format: "%dd %02dh", s / 86400, s % 86400 / 3600)
    }

    /// "-0.498 ± 0.012" for a fitted slope.
    public static func slope(_ f: LinearFit) -> String {
        number(f.slope) + (f.slopeStdError.map { " ± " + number($0, digits: 2) } ?? "")
    }

    /// A fit's one-line description: "slope −0.50 ± 0.02, R² 0.99, n 12".
    public static func fit(_ f: LinearFit) -> String {
        "slope " + slope(f) + (f.r2.map { ", R² " + number($0) } ?? "") + ", n=\(f.n)"
    }
}
