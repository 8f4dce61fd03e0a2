import Foundation
import Store
import TrialContract

extension ReferenceFigures {
    /// E6, [FCG19]: ‖W − W(0)‖_F against the width m on log-log axes, with the
    /// fitted slope (the theory: −1/2 at fixed Kηm); and the best surrogate
    /// error against Kηm when that varies. Drawn when width is an axis and a
    /// weight-change metric exists.
    /// For E5 the same fit is shown without E6's verdict and Kηm figure.
    static func lazyTraining(_ g: GroupedSweep, experiment: ReferenceExperiment, namer: inout FigureNamer) -> Section? {
        let isE6 = experiment == .e6
        guard let width = g.axis(.width), width.isNumeric, width.values.count >= 2 else { return nil }
        let metrics = g.metricNames.filter(MetricNames.isWeightChange)
        guard !metrics.isEmpty else { return nil }
        // The total over layers (a bare prefix) is plotted if the core gives one; otherwise the first layer's.
        let shown = metrics.first { $0 == Metric.distFromInit.name } ?? metrics[0]

        var s = Section(title: isE6 ? "E6 — distance from initialisation against width (Frei, Cao, Gu 2019)"
                                    : "\(experiment.rawValue) — distance from initialisation against width")
        s.blocks.append(.paragraph("Least-squares fit of log ‖W − W(0)‖_F against log m over every ok trial (seeds pooled); "
            + "± is the slope's standard error." + (isE6 ? " Frei, Cao and Gu (2019) predict a slope of −1/2 at fixed Kηm." : "")))
        var rows: [[String]] = []
        var notes: [String] = []
        var series: [PlotSeries] = []
        let along = g.along(TrialConfig.Field.width.rawValue, minPoints: 2)
        for metric in metrics {
            for a in along {
                let pairs = a.points.flatMap { p in p.group.values(TrialNumbers.metric(metric)).map { (p.value.number ?? .nan, $0) } }
                let f = Fit.logLog(x: pairs.map(\.0), y: pairs.map(\.1))
                let ms = pairs.map(\.0).filter { $0 > 0 }
                // The −1/2 law is at fixed Kηm (η = η₀/m); with Kηm varying along m no verdict is given.
                let kEtaM = a.points.flatMap { $0.group.ok.map { r in Double(r.config.steps) * r.config.effectiveLR * Double(r.config.width) } }
                let varies = (kEtaM.max() ?? 0) - (kEtaM.min() ?? 0) > 1e-9 * abs(kEtaM.max() ?? 0)
                let verdict = varies ? "— (Kηm varies)" : f.map { (-0.65 ... -0.35).contains($0.slope) ? "yes" : "no" } ?? "—"
                rows.append([metric, a.context.isEmpty ? "—" : a.context, f.map { Format.slope($0) } ?? "—",
                             f?.r2.map { Format.number($0) } ?? "—", "\(f?.n ?? 0)",
                             ms.isEmpty ? "—" : "\(Format.number(ms.min() ?? 0))–\(Format.number(ms.max() ?? 0))"]
                    + (isE6 ? [verdict] : []))
                guard metric == shown else { continue }
                let pts = a.points.compactMap { p -> PlotPoint? in
                    guard let x = p.value.number, let sum = p.group.summary(metric: metric) else { return nil }
                    return PlotPoint(x: x, summary: sum)
                }
                guard !pts.isEmpty else { continue }
                series.append(PlotSeries(name: a.label(or: metric), points: pts, style: .markers))
                if let f, let lo = ms.min(), let hi = ms.max(), series.count <= 6 {
                    series.append(Plots.powerLaw(f, from: lo, to: hi, name: "fit: slope \(Format.slope(f))"))
                    notes.append((a.context.isEmpty ? "" : "\(a.context): ") + Format.fit(f))
                }
            }
        }
        s.blocks.append(.table(Table(caption: "Log-log slope of ‖W − W(0)‖_F against m",
                                     header: ["metric", "context", "slope", "R²", "trials", "m range"] + (isE6 ? ["in [−0.65, −0.35]"] : []), rows: rows)))
        s.blocks.append(.figure(Figure(name: namer.name("\(experiment.rawValue) \(shown) vs width"), caption: "\(experiment.rawValue): \(shown) against m with the fitted power law",
                                       plot: Plot(title: "\(shown) against width m", xLabel: "width m", yLabel: shown, xScale: .log, yScale: .log,
                                                  series: series, notes: Array(notes.prefix(3))))))

        // Best surrogate error against Kηm (K steps, η the effective step size).
        if isE6, let es = MetricNames.present(.surrogateErrorMin, in: g.metricNames) {
            let ok = g.records.filter { $0.status == .ok }
            let x = ok.map { Double($0.config.steps) * $0.config.effectiveLR * Double($0.config.width) }
            let y = ok.map { $0.result.metrics[es] ?? .nan }
            if Set(x).count >= 2, let f = Fit.logLog(x: x, y: y) {
                let pts = zip(x, y).filter { $0.0 > 0 && $0.1 > 0 }.map { PlotPoint(x: $0.0, y: $0.1) }
                var ser = [PlotSeries(name: "trials", points: pts, style: .markers)]
                if let lo = pts.map(\.x).min(), let hi = pts.map(\.x).max() { ser.append(Plots.powerLaw(f, from: lo, to: hi, name: "fit")) }
                s.blocks.append(.paragraph("\(es) against Kηm: log-log \(Format.fit(f)) (Frei, Cao, Gu 2019 bound: ∝ (Kηm)^(−1/2))."))
                s.blocks.append(.figure(Figure(name: namer.name("e6 \(es) vs k eta m"), caption: "E6: \(es) against Kηm",
                                               plot: Plot(title: "\(es) against Kηm", xLabel: "K·η·m", yLabel: es, xScale: .log, yScale: .log,
                                                          series: ser, notes: ["slope \(Format.slope(f))"]))))
            }
        }
        return s
    }
}
