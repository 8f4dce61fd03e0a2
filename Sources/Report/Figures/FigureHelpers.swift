import Fitting
import Foundation
import Store
import TrialContract

/// Gives each figure a unique file-safe name.
struct FigureNamer {
    private var used: Set<String> = []
    /// Put in front of every name while set (the sub-sweep a figure is about).
    var scope = ""

    mutating func name(_ raw: String) -> String {
        var slug = ""
        for ch in (scope.isEmpty ? raw : scope + " " + raw).lowercased() {
            if ch.isASCII && (ch.isLetter || ch.isNumber) { slug.append(ch) } else if !slug.hasSuffix("-") { slug.append("-") }
        }
        slug = String(slug.trimmingCharacters(in: CharacterSet(charactersIn: "-")).prefix(60))
        if slug.isEmpty { slug = "figure" }
        var candidate = slug, k = 2
        while used.contains(candidate) {
            candidate = "\(slug)-\(k)"
            k += 1
        }
        used.insert(candidate)
        return candidate
    }
}

/// Building blocks shared by the generic and the reference figures.
enum Plots {
    /// At most this many series per plot; more are split over several plots.
    static let maxSeries = 8

    /// One plot series per context: the summary of `extract` at each numeric axis value.
    static func against(_ series: [AxisSeries], extract: (TrialRecord) -> Double?, fallback: String) -> [PlotSeries] {
        against(series, fallback: fallback) { $0.summary(extract) }
    }

    /// `against` for a final metric, read from the groups' metric columns.
    static func against(_ series: [AxisSeries], metric: String) -> [PlotSeries] {
        against(series, fallback: metric) { $0.summary(metric: metric) }
    }

    private static func against(_ series: [AxisSeries], fallback: String, summary: (TrialGroup) -> Summary?) -> [PlotSeries] {
        series.compactMap { s in
            let pts = s.points.compactMap { p -> PlotPoint? in
                guard let x = p.value.number, let sum = summary(p.group) else { return nil }
                return PlotPoint(x: x, summary: sum)
            }
            return pts.isEmpty ? nil : PlotSeries(name: s.label(or: fallback), points: pts)
        }
    }

    /// Log when all values are positive and span at least `factor`.
    static func scale(for values: [Double], factor: Double) -> Plot.Scale {
        let xs = values.filter(\.isFinite)
        guard let lo = xs.min(), let hi = xs.max(), lo > 0, hi / lo >= factor else { return .linear }
        return .log
    }

    static func yScale(_ series: [PlotSeries], factor: Double = 30) -> Plot.Scale {
        scale(for: series.flatMap { $0.points.map(\.y) }, factor: factor)
    }

    /// Mean curve over seeds with a ± std band, one series per group.
    static func curveSeries(_ curve: String, groups: [TrialGroup], label: (TrialGroup) -> String = { $0.label + ($0.okCount < $0.records.count ? " [\($0.countLabel)]" : "") }) -> [PlotSeries] {
        let summaries = OrderedJobs.map(groups) { CurveSummary.of(curve, in: $0.records) }
        return zip(groups, summaries).compactMap { g, c in
            guard let c else { return nil }
            let pts = zip(c.steps, c.summaries).map { PlotPoint(x: Double($0), y: $1.mean) }
            let band = zip(c.steps, c.summaries).compactMap { s, sum -> (x: Double, low: Double, high: Double)? in
                guard let sd = sum.std else { return nil }
                return (Double(s), sum.mean - sd, sum.mean + sd)
            }
            return PlotSeries(name: label(g), points: pts, style: .line, band: band)
        }
    }

    /// Splits a list into consecutive runs of at most `size`.
    static func chunks<T>(_ xs: [T], size: Int = maxSeries) -> [[T]] {
        stride(from: 0, to: xs.count, by: size).map { Array(xs[$0..<min($0 + size, xs.count)]) }
    }

    /// " (2/3)" when a figure is split, "" otherwise.
    static func part(_ i: Int, of n: Int) -> String { n > 1 ? " (\(i + 1)/\(n))" : "" }

    /// A fitted power law y = e^c x^slope drawn as a dashed line over [lo, hi].
    static func powerLaw(_ f: LinearFit, from lo: Double, to hi: Double, name: String) -> PlotSeries {
        let k = 24
        let pts = (0...k).map { i -> PlotPoint in
            let x = exp(log(lo) + (log(hi) - log(lo)) * Double(i) / Double(k))
            return PlotPoint(x: x, y: exp(f.predict(log(x))))
        }
        return PlotSeries(name: name, points: pts, style: .reference)
    }

    static func line(_ f: LinearFit, from lo: Double, to hi: Double, name: String) -> PlotSeries {
        PlotSeries(name: name, points: [PlotPoint(x: lo, y: f.predict(lo)), PlotPoint(x: hi, y: f.predict(hi))], style: .reference)
    }
}
