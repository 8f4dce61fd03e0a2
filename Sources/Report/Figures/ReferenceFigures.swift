import Foundation
import Store

/// The tables and figures of the reference experiments (docs/science.md §7), each
/// drawn when the records have the axes and metrics it needs, whatever spec
/// they came from.
enum ReferenceFigures {
    /// With several sub-sweeps, each is drawn on its own (its axes are the
    /// experiment's, e.g. E7's width and sample-size sub-sweeps); the whole file
    /// is used only when no sub-sweep alone gives a figure.
    static func sectionsPerSubSweep(_ all: GroupedSweep, namer: inout FigureNamer) -> [Section] {
        let names = Array(Set(all.records.map(\.sweep))).sorted()
        guard names.count > 1 else { return sections(all, namer: &namer) }
        var out: [Section] = []
        for name in names {
            namer.scope = name
            for var s in sections(GroupedSweep(records: all.records.filter { $0.sweep == name }), namer: &namer) {
                s.title += " — sub-sweep \(name.isEmpty ? "(unnamed)" : name)"
                out.append(s)
            }
        }
        namer.scope = ""
        return out.isEmpty ? sections(all, namer: &namer) : out
    }

    /// The records of `g` that satisfy `keep`, regrouped (axes inferred afresh),
    /// or nil when none do.
    static func scoped(_ g: GroupedSweep, _ keep: (TrialRecord) -> Bool) -> GroupedSweep? {
        let kept = g.records.filter(keep)
        if kept.isEmpty { return nil }
        return kept.count == g.records.count ? g : GroupedSweep(records: kept)
    }

    static func sections(_ g: GroupedSweep, namer: inout FigureNamer) -> [Section] {
        var out: [Section] = []
        if let s = leakyTable(g, namer: &namer) { out.append(s) }
        if let s = leakyRate(g, namer: &namer) { out.append(s) }
        if let s = logisticSlope(g, namer: &namer) { out.append(s) }
        if let s = stepsToZero(g, namer: &namer) { out.append(s) }
        if let s = lazyTraining(g, namer: &namer) { out.append(s) }
        if let s = threeVsTwo(g, namer: &namer) { out.append(s) }
        return out
    }
}
