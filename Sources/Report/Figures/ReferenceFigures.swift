import Foundation
import Store

/// The tables and figures of the reference experiments (SCIENCE.md §7), each
/// drawn when the records have the axes and metrics it needs, whatever spec
/// they came from.
enum ReferenceFigures {
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
