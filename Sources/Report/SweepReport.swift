import Foundation
import Store
import TrialContract

/// Turns the records of a sweep into a report: an overview, per sub-sweep
/// tables (mean ± std over seeds, per grid point and per axis value) and
/// plots, the best trials, failures and divergences, and the sections of the
/// reference experiments (docs/science.md §7) the spec names.
public enum SweepReport {
    /// `experiments`: the spec's `experiment:` key; without it no reference section is drawn.
    public static func build(records input: [TrialRecord], title: String = "OverSweep report",
                             experiments: [ReferenceExperiment] = []) -> ReportDocument {
        build(GroupedSweep(records: latest(input)), recordCount: input.count, title: title, experiments: experiments)
    }

    /// `build` from the records already grouped (`GroupedSweep(records: latest(input))`;
    /// `recordCount` is `input.count`): a caller that needs the groups too groups a million records once.
    public static func build(_ all: GroupedSweep, recordCount: Int, title: String = "OverSweep report",
                             experiments: [ReferenceExperiment] = []) -> ReportDocument {
        var doc = ReportDocument(title: title)
        var namer = FigureNamer()
        let records = all.records
        var overview = overview(all)
        if records.count < recordCount {
            overview.blocks.append(.paragraph("\(recordCount - records.count) records repeat a trial id (a re-leased or merged trial); the last of each is used."))
        }
        let experiments = experiments.uniqued()
        if !experiments.isEmpty {
            overview.blocks.append(.paragraph("Reference experiment: " + experiments.map(\.rawValue).joined(separator: ", ")
                + " (the spec's `experiment:` key; docs/science.md §7)."))
        }
        doc.sections.append(overview)
        doc.sections += ReferenceFigures.sectionsPerSubSweep(all, experiments: experiments, namer: &namer)

        let names = Array(Set(records.map(\.sweep))).sorted()
        for name in names {
            let grouped = names.count > 1 ? GroupedSweep(records: records.filter { $0.sweep == name }) : all
            let title = names.count > 1 ? "Sub-sweep \(name.isEmpty ? "(unnamed)" : name)" : "Results"
            doc.sections.append(results(grouped, title: title, namer: &namer))
        }
        if let best = bestTrials(all) { doc.sections.append(best) }
        if let problems = problems(all) { doc.sections.append(problems) }
        doc.sections = doc.sections.map(dropBlankContextColumn)
        return doc
    }

    /// One record per trial id, the last in file order (as the store replays its log),
    /// kept in the order of first appearance.
    public static func latest(_ records: [TrialRecord]) -> [TrialRecord] {
        var last: [TrialID: Int] = [:]
        for (i, r) in records.enumerated() { last[r.id] = i }
        guard last.count < records.count else { return records }
        var seen = Set<TrialID>()
        return records.compactMap { r in
            guard seen.insert(r.id).inserted, let i = last[r.id] else { return nil }
            return records[i]
        }
    }

    static func overview(_ g: GroupedSweep) -> Section {
        var s = Section(title: "Overview")
        s.blocks.append(.paragraph("\(g.records.count) trials: \(g.okCount) ok, \(g.divergedCount) diverged, \(g.failedCount) failed; "
            + "\(g.groups.count) groups (grid points, seeds aggregated). Means and standard deviations are over the ok trials "
            + "of a group; diverged and failed trials are counted, not averaged."))
        if g.axes.isEmpty {
            s.blocks.append(.paragraph("Axes: none (every trial has the same config apart from the seed)."))
        } else {
            let rows = g.axes.map { a in
                let inapplicable = g.groups(where: a.name, is: .notApplicable).reduce(0) { $0 + $1.records.count }
                return [a.name, "\(a.values.count)", a.values.prefix(12).map(\.description).joined(separator: ", ") + (a.values.count > 12 ? ", …" : "")
                    + (inapplicable > 0 ? " (does not apply to \(inapplicable) trials: n/a)" : "")]
            }
            s.blocks.append(.table(Table(caption: "Axes (config fields that differ among the trials they apply to, seed excluded)",
                                         header: ["axis", "values", ""], rows: rows)))
        }
        let seeds = Set(g.records.map(\.config.seed)).count
        let fixed = g.constants.filter { $0.value != AxisValue.none }.map { "\($0.name)=\($0.value)" }.joined(separator: ", ")
        s.blocks.append(.paragraph("Seeds: \(seeds) distinct. Fixed: \(fixed.isEmpty ? "—" : fixed)."))
        return s
    }

    /// The tables and generic plots of one sub-sweep.
    static func results(_ g: GroupedSweep, title: String, namer: inout FigureNamer) -> Section {
        var s = Section(title: title)
        let axes = g.axes.map(\.name)
        let headline = MetricNames.headline.map(\.name).filter(g.metricNames.contains)
        let others = g.metricNames.filter { !headline.contains($0) }

        func groupCells(_ grp: TrialGroup) -> [String] { grp.key.map(\.description) + [grp.countLabel] }
        let header = (axes.isEmpty ? [] : axes) + ["n"]
        let keyed = g.groups.map { groupCells($0) }
        if headline.isEmpty && others.isEmpty {
            s.blocks.append(.table(Table(caption: "Trials per group (no metrics recorded)", header: header, rows: keyed)))
        }
        // Every group's cells, on every core (a million-trial sweep has tens of thousands of groups).
        let metrics = headline + others
        let cells = OrderedJobs.map(g.groups) { grp in metrics.map { Format.meanStd(grp.summary(metric: $0)) } }
        for (i, chunk) in Plots.chunks(metrics, size: 6).enumerated() {
            let rows = zip(keyed, cells).map { key, cells in key + cells[(i * 6)..<(i * 6 + chunk.count)] }
            let caption = i == 0 ? "Final metrics, mean ± std over seeds" : "More final metrics"
            s.blocks.append(.table(Table(caption: caption, header: header + chunk, rows: rows)))
        }

        // Each axis value pooled over the other axes (with one axis, the table above already is that).
        let byAxisMetrics = Array((headline + others).prefix(6))
        if g.axes.count >= 2 && !byAxisMetrics.isEmpty {
            for axis in g.axes {
                let rows = axis.values.map { v -> [String] in
                    let pooled = TrialGroup(key: [v], label: "", pooling: g.groups(where: axis.name, is: v), metrics: byAxisMetrics)
                    return [v.description, pooled.countLabel] + byAxisMetrics.map { Format.meanStd(pooled.summary(metric: $0)) }
                }
                s.blocks.append(.table(Table(caption: "By \(axis.name): mean ± std over the other axes and seeds",
                                             header: [axis.name, "n"] + byAxisMetrics, rows: rows)))
            }
        }

        // Loss curves per group.
        let curve = g.curveNames.contains(Metric.trainLoss.name) ? Metric.trainLoss.name : g.curveNames.first
        if let curve {
            let series = Plots.curveSeries(curve, groups: g.groups)
            let parts = Plots.chunks(series)
            for (i, part) in parts.prefix(6).enumerated() {
                let xs = part.flatMap { $0.points.map(\.x) }.filter { $0 > 0 }
                let plot = Plot(title: "\(curve) during training" + Plots.part(i, of: parts.count), xLabel: "step t", yLabel: curve,
                                xScale: Plots.scale(for: xs, factor: 100), yScale: Plots.yScale(part, factor: 10), series: part)
                s.blocks.append(.figure(Figure(name: namer.name("\(title) \(curve) curves \(i + 1)"),
                                               caption: "\(curve) against step, mean over seeds with ± std band" + Plots.part(i, of: parts.count),
                                               plot: plot)))
            }
            if parts.count > 6 { s.blocks.append(.paragraph("Curves of \(series.count - 6 * Plots.maxSeries) further groups not plotted; see the table.")) }
        }
        if let curve, g.axes.count >= 2 {
            // The mean curve per value of each axis, pooled over the others.
            for axis in g.axes where (2...Plots.maxSeries).contains(axis.values.count) {
                let pooled = axis.values.map { v in TrialGroup(key: [v], label: "\(axis.name)=\(v)", pooling: g.groups(where: axis.name, is: v), metrics: []) }
                let series = Plots.curveSeries(curve, groups: pooled)  // the values' curves on every core
                guard series.count >= 2 else { continue }
                let xs = series.flatMap { $0.points.map(\.x) }.filter { $0 > 0 }
                let plot = Plot(title: "\(curve) during training by \(axis.name)", xLabel: "step t", yLabel: curve,
                                xScale: Plots.scale(for: xs, factor: 100), yScale: Plots.yScale(series, factor: 10), series: series)
                s.blocks.append(.figure(Figure(name: namer.name("\(title) \(curve) curves by \(axis.name)"),
                                               caption: "\(curve) against step by \(axis.name): mean over the other axes and seeds, ± std band", plot: plot)))
            }
        }

        // Headline metrics against each axis.
        // The test and the train error (train_loss stands in for either when absent).
        let plotted = [MetricNames.first(MetricNames.testError, in: g.metricNames),
                       MetricNames.first(MetricNames.trainError, in: g.metricNames)].compactMap { $0 }.uniqued()
        for axis in g.axes where axis.values.count >= 2 {
            for metric in plotted {
                let along = g.along(axis.name, minPoints: axis.isNumeric ? 2 : 1)
                if axis.isNumeric {
                    let series = Plots.against(along, metric: metric)
                    let chunks = Plots.chunks(series)
                    for (i, part) in chunks.prefix(3).enumerated() {
                        let yScale = Plots.yScale(part)
                        // On log-log axes, the power law each series follows (fitted over its trials).
                        var notes: [String] = []
                        if axis.prefersLogScale && yScale == .log {
                            let contexts = along.filter { a in part.contains { $0.name == a.label(or: metric) } }
                            for a in contexts.prefix(4) {
                                let pairs = a.points.flatMap { p in p.group.values(metric: metric).map { (p.value.number ?? .nan, $0) } }
                                if let f = Fit.logLog(x: pairs.map(\.0), y: pairs.map(\.1)) {
                                    notes.append((a.context.isEmpty ? "" : "\(a.context): ") + "log-log " + Format.fit(f))
                                }
                            }
                        }
                        let plot = Plot(title: "\(metric) against \(axis.name)" + Plots.part(i, of: chunks.count),
                                        xLabel: axis.name, yLabel: metric,
                                        xScale: axis.prefersLogScale ? .log : .linear, yScale: yScale, series: part, notes: notes)
                        s.blocks.append(.figure(Figure(name: namer.name("\(title) \(metric) vs \(axis.name) \(i + 1)"),
                                                       caption: "\(metric) against \(axis.name): mean ± std over seeds", plot: plot)))
                    }
                    if chunks.count > 3 {
                        s.blocks.append(.paragraph("\(metric) against \(axis.name): \(series.count - 3 * Plots.maxSeries) more series "
                            + "(combinations of the other axes) not plotted; their numbers are in the table above."))
                    }
                } else if axis.values.count <= 16 {
                    let cats = axis.values.map(\.description)
                    let series = along.compactMap { a -> PlotSeries? in
                        let pts = a.points.compactMap { p -> PlotPoint? in
                            guard let idx = axis.values.firstIndex(of: p.value), let sum = p.group.summary(metric: metric) else { return nil }
                            return PlotPoint(x: Double(idx), summary: sum)
                        }
                        return pts.isEmpty ? nil : PlotSeries(name: a.label(or: metric), points: pts)
                    }
                    for (i, part) in Plots.chunks(series).prefix(3).enumerated() {
                        let plot = Plot(title: "\(metric) by \(axis.name)" + Plots.part(i, of: Plots.chunks(series).count),
                                        xLabel: axis.name, yLabel: metric, kind: .bars(categories: cats), series: part)
                        s.blocks.append(.figure(Figure(name: namer.name("\(title) \(metric) by \(axis.name) \(i + 1)"),
                                                       caption: "\(metric) by \(axis.name): mean ± std over seeds", plot: plot)))
                    }
                }
            }
        }
        return s
    }

    /// A leading "context"/"learner" column that is "—" on every row (one series) says nothing.
    static func dropBlankContextColumn(_ section: Section) -> Section {
        var s = section
        s.blocks = s.blocks.map { b in
            guard case .table(var t) = b, ["context", "learner"].contains(t.header.first ?? ""),
                  t.rows.allSatisfy({ $0.first == "—" }) else { return b }
            t.header.removeFirst()
            t.rows = t.rows.map { Array($0.dropFirst()) }
            return .table(t)
        }
        return s
    }

    /// The metric trials are ranked by: the test error (else the training error, else the loss).
    static func objective(_ g: GroupedSweep) -> String? {
        MetricNames.first(MetricNames.testError, in: g.metricNames) ?? MetricNames.first(MetricNames.trainError, in: g.metricNames)
    }

    /// The ok trials with the lowest objective (ties by trial id), and the grid points with the lowest mean.
    static func bestTrials(_ g: GroupedSweep, count: Int = 10) -> Section? {
        guard let objective = objective(g) else { return nil }
        let shown = ([objective] + MetricNames.headline.map(\.name).filter(g.metricNames.contains)).uniqued().prefix(4)
        // The `count` lowest (value, id) of all ok trials, kept in order as they are met (a million trials are not sorted for ten).
        var best: [(group: Int, record: TrialRecord, value: Double)] = []
        var rankedCount = 0
        for (k, grp) in g.groups.enumerated() {
            for r in grp.ok {
                guard let v = r.result.metrics[objective], v.isFinite else { continue }
                rankedCount += 1
                let precedes = { (t: (group: Int, record: TrialRecord, value: Double)) in (v, r.id.rawValue) < (t.value, t.record.id.rawValue) }
                guard best.count < count || precedes(best[best.count - 1]) else { continue }
                best.insert((k, r, v), at: best.firstIndex(where: precedes) ?? best.count)
                if best.count > count { best.removeLast() }
            }
        }
        guard rankedCount > 0 else { return nil }
        var s = Section(title: "Best trials")
        s.blocks.append(.paragraph("Ranked by final \(objective), lowest first (ties by trial id); ok trials only."))
        let rows = best.enumerated().map { i, t in
            ["\(i + 1)", t.record.id.short, g.groups[t.group].label, "\(t.record.config.seed)"] + shown.map { t.record.result.metrics[$0].map { Format.number($0) } ?? "—" }
        }
        s.blocks.append(.table(Table(caption: "The \(min(count, rankedCount)) best of \(rankedCount) trials",
                                     header: ["rank", "trial", "group", "seed"] + shown, rows: rows)))
        if g.groups.count > 1 {
            let groups = g.groups.compactMap { grp in grp.summary(metric: objective).map { (grp, $0) } }
                .sorted { ($0.1.mean, $0.0.label) < ($1.1.mean, $1.0.label) }
            let groupRows = groups.prefix(5).enumerated().map { i, x in ["\(i + 1)", x.0.label, Format.meanStd(x.1), x.0.countLabel] }
            s.blocks.append(.table(Table(caption: "Grid points with the lowest mean \(objective)",
                                         header: ["rank", "group", objective, "n"], rows: groupRows)))
        }
        return s
    }

    /// Diverged and failed trials with their messages, and where in the grid they are.
    static func problems(_ g: GroupedSweep) -> Section? {
        let bad = g.groups.flatMap { grp in grp.records.filter { $0.status != .ok }.map { (grp.label, $0) } }
        guard !bad.isEmpty else { return nil }
        let rows = bad.prefix(50).map { label, r in
            [r.id.short, label, "seed=\(r.config.seed)", r.status.rawValue, "\(r.result.stepsRun)", r.result.message ?? ""]
        }
        var s = Section(title: "Diverged and failed trials")
        var byValue: [[String]] = []
        for axis in g.axes {
            for v in axis.values {
                let gs = g.groups(where: axis.name, is: v)
                let trials = gs.reduce(0) { $0 + $1.records.count }
                let diverged = gs.reduce(0) { $0 + $1.divergedCount }, failed = gs.reduce(0) { $0 + $1.failedCount }
                guard diverged + failed > 0 else { continue }
                byValue.append(["\(axis.name)=\(v)", "\(trials)", "\(diverged)", "\(failed)", Format.number(Double(diverged + failed) / Double(trials))])
            }
        }
        if !byValue.isEmpty {
            s.blocks.append(.table(Table(caption: "Where they are: axis values with diverged or failed trials",
                                         header: ["axis value", "trials", "diverged", "failed", "share"], rows: byValue)))
        }
        s.blocks.append(.table(Table(caption: bad.count > 50 ? "The first 50" : "", header: ["trial", "group", "seed", "status", "steps run", "message"], rows: Array(rows))))
        if bad.count > 50 { s.blocks.append(.paragraph("… and \(bad.count - 50) more.")) }
        return s
    }
}

extension Array where Element: Hashable {
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
