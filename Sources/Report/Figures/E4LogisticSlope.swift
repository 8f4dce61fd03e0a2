import Fitting
import Foundation
import Store
import TrialContract

extension ReferenceFigures {
    /// E4, [CLB21]: the logistic loss J_t falls like 1/t — the log-log slope of
    /// the train_loss curve against t over the late phase (the last decade of
    /// steps), per group (activation × h × …). Drawn when logistic-loss trials
    /// with a smoothed activation (huber, swish) have train_loss curves.
    static func logisticSlope(_ all: GroupedSweep, namer: inout FigureNamer) -> Section? {
        let curve = Metric.trainLoss.name
        // [CLB21]'s claim is for the smoothed ReLUs; other activations are left out.
        guard let g = scoped(all, { [ActivationKind.huber, .swish].contains($0.config.activation) }) else { return nil }
        let groups = g.groups.filter { grp in
            grp.records.first?.config.loss == .logistic && grp.records.contains { $0.result.curves[curve] != nil }
        }
        guard groups.contains(where: { $0.records.contains { [ActivationKind.huber, .swish].contains($0.config.activation) } }) else { return nil }
        let coreSlope = MetricNames.present(.lossLogLogSlope, in: g.metricNames)

        var s = Section(title: "E4 — late-phase log-log slope of the logistic loss (Chatterji, Long, Bartlett 2021)")
        s.blocks.append(.paragraph("Slope of log J_t against log t over the late phase (t from T/10 to T, T the last step with a positive loss), "
            + "per trial (mean ± std over seeds) and for the seed-averaged curve (± standard error of the fit). Chatterji, Long and Bartlett (2021) predict −1."))
        var header = ["group", "activation", "slope per trial", "slope of mean curve", "R²", "late window", "in [−1.3, −0.7]"]
        if let coreSlope { header.append(coreSlope) }
        header.append("n")
        var rows: [[String]] = []
        var labels: [String: String] = [:]
        var verdicts: [Bool] = []
        for grp in groups {
            let cfg = grp.records[0].config
            let act = cfg.activation == .huber || cfg.activation == .swish ? "\(cfg.activation.rawValue)(h=\(Format.number(cfg.smoothing)))"
                : cfg.activation == .leaky ? "leaky(α=\(Format.number(cfg.alpha)))" : cfg.activation.rawValue
            let perTrial = grp.summary(TrialNumbers.lateLogLogSlope(curve))
            var meanFit: LinearFit? = nil
            var window = "—"
            if let c = CurveSummary.of(curve, in: grp.ok) {
                let late = TrialNumbers.latePhase(Curve(steps: c.steps, values: c.summaries.map(\.mean)))
                if late.t.count >= 3, let first = late.t.first, let last = late.t.last {
                    meanFit = Fit.logLog(x: late.t, y: late.y)
                    window = "t ∈ [\(Format.number(first)), \(Format.number(last))]"
                }
            }
            let inBand = meanFit.map { (-1.3 ... -0.7).contains($0.slope) }
            if let inBand { verdicts.append(inBand) }
            var row = [grp.label, act, Format.meanStd(perTrial), meanFit.map { Format.slope($0) } ?? "—",
                       meanFit?.r2.map { Format.number($0) } ?? "—", window, inBand.map { $0 ? "yes" : "no" } ?? "—"]
            if let coreSlope { row.append(Format.meanStd(grp.summary(metric: coreSlope))) }
            row.append(grp.countLabel)
            rows.append(row)
            let others = zip(g.axes, grp.key).filter { ![TrialConfig.Field.activation, .smoothing, .alpha].map(\.rawValue).contains($0.0.name) && !g.redundantAxes.contains($0.0.name) }
                .map { "\($0.0.name)=\($0.1)" }
            labels[grp.label] = ([act] + others).joined(separator: ", ") + ": slope " + (meanFit.map { Format.number($0.slope) } ?? "—")
        }
        s.blocks.append(.table(Table(caption: "Late-phase slope of \(curve) against t (log-log)", header: header, rows: rows)))
        s.blocks.append(.paragraph("Slope of the mean curve within [−1.3, −0.7] (the 1/t rate, with tolerance): "
            + "\(verdicts.count { $0 }) of \(verdicts.count) groups."))

        let series = Plots.curveSeries(curve, groups: groups) { labels[$0.label] ?? $0.label }
        let parts = Plots.chunks(series, size: Plots.maxSeries - 1)
        for (i, chunk) in parts.prefix(4).enumerated() {
            var part = chunk
            // A slope −1 guide through the end of the first curve.
            if let last = part.first?.points.last(where: { $0.x > 0 && $0.y > 0 }) {
                let t0 = last.x / 100
                if t0 > 0 {
                    part.append(PlotSeries(name: "slope −1", points: [PlotPoint(x: t0, y: last.y * 100), PlotPoint(x: last.x, y: last.y)],
                                           style: .reference))
                }
            }
            let plot = Plot(title: "\(curve) against t (log-log)" + Plots.part(i, of: parts.count), xLabel: "step t", yLabel: curve,
                            xScale: .log, yScale: .log, series: part)
            s.blocks.append(.figure(Figure(name: namer.name("e4 logistic loss loglog \(i + 1)"),
                                           caption: "E4: \(curve) on log-log axes, mean over seeds; legend gives the late-phase slope", plot: plot)))
        }
        return s
    }
}
