import Foundation
import Store
import TrialContract

extension ReferenceFigures {
    /// E7, [AZL19]: test error against the width m and the sample size N,
    /// one series per learner (depth × trained layers × …). Drawn when a test
    /// metric exists, width or n_train is a numeric axis, and learners are
    /// compared (depth or train is an axis) or the data is an azl_* target.
    static func threeVsTwo(_ g: GroupedSweep, namer: inout FigureNamer) -> Section? {
        guard let test = MetricNames.first(MetricNames.testError, in: g.metricNames) else { return nil }
        let axes = [TrialConfig.Field.width, .nTrain].compactMap { g.axis($0) }.filter { $0.isNumeric && $0.values.count >= 2 }
        let azl = g.records.contains { [DataKind.azlSincos, .azlTanh].contains($0.config.data) }
        guard !axes.isEmpty, azl || g.axis(.depth) != nil || g.axis(.train) != nil else { return nil }

        var s = Section(title: "E7 — test error against width and sample size (Allen-Zhu, Li, Liang 2019)")
        for axis in axes {
            // Against m at the largest N, and against N at the largest m (the paper's N = 1000 / fixed m).
            let other = axes.first { $0.name != axis.name }
            let fixed = other.flatMap { o in o.values.last.map { (o.name, $0) } }
            let scoped = fixed.map { name, value in
                GroupedSweep(records: g.records(where: name, is: value))
            } ?? g
            let along = scoped.along(axis.name, minPoints: 2)
            if let (name, value) = fixed {
                s.blocks.append(.paragraph("Against \(axis.name) at \(name)=\(value) (the largest in the sweep)."))
            }
            var rows: [[String]] = []
            for a in along {
                for (v, grp) in a.points {
                    rows.append([a.context.isEmpty ? "—" : a.context, v.description, Format.meanStd(grp.summary(metric: test)), grp.countLabel])
                }
            }
            s.blocks.append(.table(Table(caption: "\(test) against \(axis.name)", header: ["learner", axis.name, test, "n"], rows: rows)))
            let series = Plots.against(along, metric: test)
            for (i, part) in Plots.chunks(series).prefix(3).enumerated() {
                let plot = Plot(title: "\(test) against \(axis.name)" + (fixed.map { " at \($0.0)=\($0.1)" } ?? "") + Plots.part(i, of: Plots.chunks(series).count), xLabel: axis.name,
                                yLabel: test, xScale: axis.prefersLogScale ? .log : .linear, yScale: Plots.yScale(part, factor: 10), series: part)
                s.blocks.append(.figure(Figure(name: namer.name("e7 \(test) vs \(axis.name) \(i + 1)"),
                                               caption: "E7: \(test) against \(axis.name), one line per learner, mean ± std over seeds", plot: plot)))
            }
        }
        return s
    }
}
