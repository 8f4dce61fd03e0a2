import Foundation
import Store

/// The tables and figures of the reference experiments (docs/science.md §7):
/// drawn only for the experiments the spec names, and each only when the
/// records have the axes and metrics it needs (else a line says what is missing).
enum ReferenceFigures {
    /// With several sub-sweeps, each is drawn on its own (its axes are the
    /// experiment's, e.g. E7's width and sample-size sub-sweeps); the whole file
    /// is used only when no sub-sweep alone gives a figure.
    static func sectionsPerSubSweep(_ all: GroupedSweep, experiments: [ReferenceExperiment], namer: inout FigureNamer) -> [Section] {
        guard !experiments.isEmpty else { return [] }
        let names = Array(Set(all.records.map(\.sweep))).sorted()
        var out: [Section] = []
        if names.count > 1 {
            for name in names {
                namer.scope = name
                for var s in sections(GroupedSweep(records: all.records.filter { $0.sweep == name }), experiments: experiments, namer: &namer) {
                    s.title += " — sub-sweep \(name.isEmpty ? "(unnamed)" : name)"
                    out.append(s)
                }
            }
            namer.scope = ""
        }
        if out.isEmpty { out = sections(all, experiments: experiments, namer: &namer) }
        // A named experiment that drew nothing says why.
        for e in experiments where !out.contains(where: { $0.title.hasPrefix(e.rawValue + " ") }) {
            out.append(Section(title: "\(e.rawValue) — not drawn", blocks: [
                .paragraph("The spec names experiment \(e.rawValue), whose sections need \(e.requirement); these records do not have that."),
            ]))
        }
        return out
    }

    /// The records of `g` that satisfy `keep`, regrouped (axes inferred afresh),
    /// or nil when none do.
    static func scoped(_ g: GroupedSweep, _ keep: (TrialRecord) -> Bool) -> GroupedSweep? {
        let kept = g.records.filter(keep)
        if kept.isEmpty { return nil }
        return kept.count == g.records.count ? g : GroupedSweep(records: kept)
    }

    static func sections(_ g: GroupedSweep, experiments: [ReferenceExperiment], namer: inout FigureNamer) -> [Section] {
        var out: [Section] = []
        for e in experiments {
            let drawn: [Section?]
            switch e {
            case .e1, .e3: drawn = [leakyTable(g, experiment: e, namer: &namer)]
            case .e2: drawn = [leakyRate(g, namer: &namer)]
            case .e4: drawn = [logisticSlope(g, namer: &namer)]
            // E5 also shows how far the weights move against m (docs/experiments.md).
            case .e5: drawn = [stepsToZero(g, namer: &namer), lazyTraining(g, experiment: e, namer: &namer)]
            case .e6: drawn = [lazyTraining(g, experiment: e, namer: &namer)]
            case .e7: drawn = [threeVsTwo(g, namer: &namer)]
            }
            out += drawn.compactMap { $0 }
        }
        return out
    }
}
