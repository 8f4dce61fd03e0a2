import Foundation
import Store
import TrialContract

extension ReferenceFigures {
    /// E1, [GLL24] Table 1: final train error and test error by α (× the
    /// other axes, e.g. bias), mean ± std, and the ordering of α by train error.
    /// Drawn when α is a numeric axis and a train error metric exists.
    /// E3 ([GLL24] Fig. 5) is the same table over its width and depth sub-sweeps.
    static func leakyTable(_ all: GroupedSweep, experiment: ReferenceExperiment, namer: inout FigureNamer) -> Section? {
        // α only matters for the leaky activation.
        guard let g = scoped(all, { $0.config.activation == .leaky }), let alpha = g.axis(.alpha), alpha.isNumeric,
              let train = MetricNames.first(MetricNames.trainError, in: g.metricNames) else { return nil }
        let test = MetricNames.first(MetricNames.testError, in: g.metricNames)
        let testCurve = MetricNames.first(MetricNames.testError, in: g.curveNames)
        let at30 = testCurve.flatMap { c in g.records.contains { TrialNumbers.curve(c, at: 30)($0) != nil } ? c : nil }

        var s = Section(title: experiment == .e3 ? "E3 — error by leaky-ReLU slope α against width and depth (Guo, Li, Lerman 2024, Fig. 5)"
                                                 : "E1 — error by leaky-ReLU slope α (Guo, Li, Lerman 2024, Table 1)")
        var header = ["context", "α", "final \(train)"]
        if let test { header.append("final \(test)") }
        if let at30 { header.append("\(at30) at t=30") }
        header.append("n")
        var rows: [[String]] = []
        var orderings: [String] = []
        let along = g.along(TrialConfig.Field.alpha.rawValue)
        for a in along {
            for (v, grp) in a.points {
                var row = [a.context.isEmpty ? "—" : a.context, v.description, Format.meanStd(grp.summary(metric: train))]
                if let test { row.append(Format.meanStd(grp.summary(metric: test))) }
                if let at30 { row.append(Format.meanStd(grp.summary(TrialNumbers.curve(at30, at: 30)))) }
                row.append(grp.countLabel)
                rows.append(row)
            }
            let ranked = a.points.compactMap { p in p.group.summary(metric: train).map { (label: "α=\(p.value)", value: $0.mean) } }
            if ranked.count >= 2 {
                orderings.append((a.context.isEmpty ? "" : "\(a.context): ") + Format.ordering(ranked))
            }
        }
        s.blocks.append(.table(Table(caption: "Final \(train)" + (test.map { " and \($0)" } ?? "") + " by α, mean ± std over seeds",
                                     header: header, rows: rows)))
        if !orderings.isEmpty {
            s.blocks.append(.paragraph("Ordering of α by mean final \(train), lowest first:\n" + orderings.joined(separator: "\n")))
            if experiment == .e1 { s.blocks.append(.paragraph("Paper (Guo, Li, Lerman 2024, Table 1, m = 5000, biases on): final train error 0.039 / 0.022 / 0.197 / 0.245 "
                + "for α = −2 / −1 / 0 / 0.05 — α = −1 lowest, ReLU and 0.05 highest. Without biases an α = −1 network is even "
                + "(f(x) = f(−x)) and is expected to train worse than ReLU on this target.")) }
        }

        let cats = alpha.values.map { "α=\($0)" }
        var plotted: [(String, (TrialRecord) -> Double?)] = [(train, TrialNumbers.metric(train))]
        if let at30 {
            plotted.append(("\(at30) at t=30", TrialNumbers.curve(at30, at: 30)))
        } else if let test {
            plotted.append((test, TrialNumbers.metric(test)))
        }
        for (metric, extract) in plotted {
            let series = along.compactMap { a -> PlotSeries? in
                let pts = a.points.compactMap { p -> PlotPoint? in
                    guard let i = alpha.values.firstIndex(of: p.value), let sum = p.group.summary(extract) else { return nil }
                    return PlotPoint(x: Double(i), summary: sum)
                }
                return pts.isEmpty ? nil : PlotSeries(name: a.label(or: metric), points: pts)
            }
            for (i, part) in Plots.chunks(series).prefix(2).enumerated() {
                let plot = Plot(title: "\(metric) by α" + Plots.part(i, of: Plots.chunks(series).count), xLabel: "α", yLabel: metric,
                                kind: .bars(categories: cats), series: part)
                s.blocks.append(.figure(Figure(name: namer.name("\(experiment.rawValue) \(metric) by alpha \(i + 1)"),
                                               caption: "\(experiment.rawValue): \(metric) by α, mean ± std over seeds", plot: plot)))
            }
        }
        return s
    }
}
