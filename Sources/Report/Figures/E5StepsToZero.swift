import Foundation
import Store
import TrialContract

extension ReferenceFigures {
    /// E5, [ZCZG18]: steps to zero training error against n (and φ, L, m when
    /// they are axes). Drawn when some trial reaches zero training error.
    static func stepsToZero(_ g: GroupedSweep, namer: inout FigureNamer) -> Section? {
        let metric = MetricNames.present(.firstStepZeroTrainError, in: g.metricNames)
        let extract: (TrialRecord) -> Double? = metric.map { TrialNumbers.metric($0) } ?? TrialNumbers.firstZeroStep
        let axes = [TrialConfig.Field.nTrain, .separation, .depth, .width].compactMap { g.axis($0) }.filter { $0.isNumeric && $0.values.count >= 2 }
        guard !axes.isEmpty, g.records.contains(where: { $0.status == .ok && extract($0) != nil }) else { return nil }

        var s = Section(title: "E5 — steps to zero training error (Zou, Cao, Zhou, Gu 2018)")
        s.blocks.append(.paragraph("Steps until the training 0-1 error first reaches 0 ("
            + (metric.map { "metric \($0)" } ?? "first zero of the train_error curve, so on the curve's step schedule")
            + "); trials that never reach it are counted as not reached and left out of the mean."))
        for axis in axes {
            var rows: [[String]] = []
            var fits: [String] = []
            var series: [PlotSeries] = []
            for a in g.along(axis.name, minPoints: 2) {
                var xs: [Double] = [], ys: [Double] = []
                var pts: [PlotPoint] = []
                for (v, grp) in a.points {
                    let vals = grp.values(extract)
                    let sum = Summary.of(vals)
                    rows.append([a.context.isEmpty ? "—" : a.context, v.description, "\(vals.count)/\(grp.okCount)", Format.meanStd(sum), grp.countLabel])
                    if let x = v.number {
                        xs += Array(repeating: x, count: vals.count)
                        ys += vals
                        if let sum { pts.append(PlotPoint(x: x, summary: sum)) }
                    }
                }
                if !pts.isEmpty { series.append(PlotSeries(name: a.label(or: "steps"), points: pts)) }
                if axis.prefersLogScale, let f = Fit.logLog(x: xs, y: ys) {
                    fits.append((a.context.isEmpty ? "" : "\(a.context): ") + "log-log " + Format.fit(f))
                }
            }
            if rows.isEmpty { continue }
            s.blocks.append(.table(Table(caption: "Steps to zero training error against \(axis.name)",
                                         header: ["context", axis.name, "reached", "steps", "n"], rows: rows)))
            if !fits.isEmpty { s.blocks.append(.paragraph("Fits of steps against \(axis.name):\n" + fits.joined(separator: "\n"))) }
            for (i, part) in Plots.chunks(series).prefix(2).enumerated() {
                let plot = Plot(title: "steps to zero training error against \(axis.name)", xLabel: axis.name, yLabel: "steps",
                                xScale: axis.prefersLogScale ? .log : .linear, yScale: Plots.yScale(part, factor: 10), series: part,
                                notes: i == 0 ? Array(fits.prefix(3)) : [])
                s.blocks.append(.figure(Figure(name: namer.name("e5 steps to zero vs \(axis.name) \(i + 1)"),
                                               caption: "E5: steps to zero training error against \(axis.name), mean ± std over seeds", plot: plot)))
            }
        }
        // Only the introduction: no axis had a series of two or more values.
        return s.blocks.count > 1 ? s : nil
    }
}
