import Foundation
import Store
import TrialContract

extension ReferenceFigures {
    /// g(α) = (1 − α)²/(1 + α²), the factor of [GLL24]'s rate.
    static func leakyFactor(_ alpha: Double) -> Double { (1 - alpha) * (1 - alpha) / (1 + alpha * alpha) }

    /// E2, [GLL24] Fig. 2: γ̂(α) against 1 − C_γ g(α) with C_γ = 1 − γ̂(0), the
    /// correlation of (1 − γ̂(α))/(1 − γ̂(0)) with g(α), and λ_min(NTK)/g(α).
    /// Drawn when α is a numeric axis with ≥ 3 values and γ̂ is known (a metric,
    /// or the train_loss curve at t = 100 and 1000).
    static func leakyRate(_ all: GroupedSweep, namer: inout FigureNamer) -> Section? {
        guard let g = scoped(all, { $0.config.activation == .leaky }), let alpha = g.axis(.alpha), alpha.isNumeric, alpha.values.count >= 3 else { return nil }
        let gammaName = MetricNames.present(.gammaHat, in: g.metricNames)
        let gammaHat: (TrialRecord) -> Double? = gammaName.map { TrialNumbers.metric($0) } ?? TrialNumbers.gammaHatFromCurve
        guard g.records.contains(where: { $0.status == .ok && gammaHat($0) != nil }) else { return nil }
        let ntk = MetricNames.present(.ntkLambdaMin, in: g.metricNames)

        var s = Section(title: "E2 — convergence rate against g(α) (Guo, Li, Lerman 2024, Fig. 2)")
        s.blocks.append(.paragraph("γ̂ = " + (gammaName.map { "metric \($0)" } ?? "(L(1000)/L(100))^(1/900) from the train_loss curve")
            + "; g(α) = (1 − α)²/(1 + α²); C_γ = 1 − γ̂(0). The theory predicts γ ≈ 1 − C g(α): (1 − γ̂(α))/(1 − γ̂(0)) should grow with g(α)."))
        var header = ["context", "α", "g(α)", "γ̂", "(1−γ̂)/(1−γ̂(0))", "1 − C_γ g(α)"]
        if let ntk { header += [ntk, "\(ntk) / g(α)"] }
        header.append("n")
        var rows: [[String]] = []
        var notes: [String] = []
        var gammaSeries: [PlotSeries] = [], ratioSeries: [PlotSeries] = [], ntkSeries: [PlotSeries] = []
        for a in g.along(TrialConfig.Field.alpha.rawValue, minPoints: 2) {
            let pts = a.points.compactMap { p -> (alpha: Double, sum: Summary, group: TrialGroup)? in
                guard let x = p.value.number, let sum = p.group.summary(gammaHat) else { return nil }
                return (x, sum, p.group)
            }
            guard pts.count >= 2 else { continue }
            // C_γ from α = 0 when the grid has it; otherwise the least-squares C in 1 − γ̂ ≈ C g(α).
            let c: Double
            let fromZero: Bool
            if let zero = pts.first(where: { $0.alpha == 0 }), 1 - zero.sum.mean != 0 {
                c = 1 - zero.sum.mean
                fromZero = true
            } else {
                let num = pts.reduce(0) { $0 + leakyFactor($1.alpha) * (1 - $1.sum.mean) }
                let den = pts.reduce(0) { $0 + leakyFactor($1.alpha) * leakyFactor($1.alpha) }
                c = den > 0 ? num / den : 0
                fromZero = false
            }
            var ratios: [Double] = [], gs: [Double] = []
            for p in pts {
                let ga = leakyFactor(p.alpha)
                let ratio = c != 0 ? (1 - p.sum.mean) / c : .nan
                ratios.append(ratio)
                gs.append(ga)
                var row = [a.context.isEmpty ? "—" : a.context, Format.number(p.alpha), Format.number(ga), Format.meanStd(p.sum, digits: 6),
                           Format.number(ratio), Format.number(1 - c * ga, digits: 6)]
                if let ntk {
                    let lam = p.group.summary(metric: ntk)
                    row += [Format.meanStd(lam), lam.map { ga > 0 ? Format.number($0.mean / ga) : "—" } ?? "—"]
                }
                row.append(p.group.countLabel)
                rows.append(row)
            }
            let label = a.label(or: "measured")
            let r = Fit.pearson(x: gs, y: ratios)
            notes.append((a.context.isEmpty ? "" : "\(a.context): ") + "corr((1−γ̂)/(1−γ̂(0)), g(α)) = " + (r.map { Format.number($0) } ?? "—")
                + (r.map { $0 > 0 ? " (positive, as predicted)" : " (not positive: the prediction fails here)" } ?? "")
                + " over \(pts.count) α values; C_γ = \(Format.number(c))" + (fromZero ? "" : " (fitted: α = 0 not in the grid)"))
            gammaSeries.append(PlotSeries(name: label, points: pts.map { PlotPoint(x: $0.alpha, summary: $0.sum) }, style: .markers))
            if gammaSeries.count <= 3, let lo = pts.map(\.alpha).min(), let hi = pts.map(\.alpha).max() {
                let grid = (0...40).map { lo + (hi - lo) * Double($0) / 40 }
                gammaSeries.append(PlotSeries(name: "1 − C_γ g(α)" + (a.context.isEmpty ? "" : " (\(a.context))"),
                                              points: grid.map { PlotPoint(x: $0, y: 1 - c * leakyFactor($0)) }, style: .reference))
            }
            ratioSeries.append(PlotSeries(name: label, points: zip(gs, ratios).map { PlotPoint(x: $0, y: $1) }, style: .markers))
            if let ntk {
                let np = pts.compactMap { p in p.group.summary(metric: ntk).map { PlotPoint(x: leakyFactor(p.alpha), summary: $0) } }
                if !np.isEmpty { ntkSeries.append(PlotSeries(name: label, points: np, style: .markers)) }
                let rr = Fit.pearson(x: pts.map { leakyFactor($0.alpha) }, y: pts.map { $0.group.summary(metric: ntk)?.mean ?? .nan })
                if let rr { notes.append((a.context.isEmpty ? "" : "\(a.context): ") + "corr(\(ntk), g(α)) = \(Format.number(rr))") }
            }
        }
        guard !rows.isEmpty else { return nil }
        s.blocks.append(.table(Table(caption: "γ̂ and the predicted rate per α", header: header, rows: rows)))
        s.blocks.append(.paragraph(notes.joined(separator: "\n")))
        let fits = notes.filter { $0.contains("corr((1") }
        // The theory's line: (1 − γ(α))/(1 − γ(0)) = g(α)/g(0) = g(α).
        let gs = ratioSeries.flatMap { $0.points.map(\.x) }
        if let lo = gs.min(), let hi = gs.max(), hi > lo {
            ratioSeries.append(PlotSeries(name: "theory: = g(α)", points: [PlotPoint(x: lo, y: lo), PlotPoint(x: hi, y: hi)], style: .reference))
        }
        s.blocks.append(.figure(Figure(name: namer.name("e2 gamma vs alpha"), caption: "E2: γ̂ against α with 1 − C_γ g(α)",
                                       plot: Plot(title: "γ̂ against α", xLabel: "α", yLabel: "γ̂", series: gammaSeries))))
        s.blocks.append(.figure(Figure(name: namer.name("e2 rate ratio vs g"), caption: "E2: (1 − γ̂(α))/(1 − γ̂(0)) against g(α)",
                                       plot: Plot(title: "(1 − γ̂(α))/(1 − γ̂(0)) against g(α)", xLabel: "g(α)", yLabel: "(1 − γ̂)/(1 − γ̂(0))",
                                                  series: ratioSeries, notes: Array(fits.prefix(4))))))
        if let ntk, !ntkSeries.isEmpty {
            s.blocks.append(.figure(Figure(name: namer.name("e2 ntk vs g"), caption: "E2: \(ntk) at init against g(α)",
                                           plot: Plot(title: "\(ntk) against g(α)", xLabel: "g(α)", yLabel: ntk, series: ntkSeries))))
        }
        return s
    }
}
