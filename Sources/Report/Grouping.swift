import Foundation
import Store
import TrialContract

/// A config field (or the sub-sweep name, `sweep`) whose value differs across the records.
public struct SweepAxis: Sendable, Equatable {
    public var name: String
    /// Distinct values, sorted.
    public var values: [AxisValue]
    /// All values are numbers: the axis can go on a plot's x axis.
    public var isNumeric: Bool { values.allSatisfy { $0.number != nil } }
    /// Numeric, positive and spanning a factor ≥ 8: plotted on a log scale.
    public var prefersLogScale: Bool {
        let xs = values.compactMap(\.number)
        guard isNumeric, let lo = xs.min(), let hi = xs.max(), lo > 0 else { return false }
        return hi / lo >= 8
    }
}

/// The trials of one grid point: equal on every axis, differing only in seed.
public struct TrialGroup: Sendable {
    /// Values of the sweep's axes, in `GroupedSweep.axes` order.
    public var key: [AxisValue]
    /// "alpha=-1, bias=true" (or "all trials" when the sweep has no axes).
    public var label: String
    public private(set) var records: [TrialRecord]
    /// The finished trials, the ones means are over (kept: every table cell asks for them).
    public private(set) var ok: [TrialRecord]
    public var okCount: Int { ok.count }
    public private(set) var divergedCount: Int
    public var failedCount: Int { records.count - ok.count - divergedCount }

    /// Each final metric's finite values over the ok trials, in record order:
    /// `values(metric:)`, kept because a million-trial report asks for every
    /// metric of every group several times (tables, pooled tables, plots),
    /// and each ask was a dictionary look-up per trial.
    private var metricValues: [String: [Double]]

    public init(key: [AxisValue], label: String, records: [TrialRecord]) {
        self.key = key
        self.label = label
        self.records = records
        ok = records.filter { $0.status == .ok }
        divergedCount = records.count(where: { $0.status == .diverged })
        var columns: [String: [Double]] = [:]
        for r in ok {
            for (name, v) in r.result.metrics where v.isFinite { columns[name, default: []].append(v) }
        }
        metricValues = columns
    }

    /// The groups' trials as one group (records, ok trials and the values of
    /// `metrics`, in the groups' order): an axis value pooled over the other
    /// axes, without reading a trial again.
    public init(key: [AxisValue], label: String, pooling groups: [TrialGroup], metrics: [String]) {
        self.key = key
        self.label = label
        records = groups.flatMap(\.records)
        ok = groups.flatMap(\.ok)
        divergedCount = groups.reduce(0) { $0 + $1.divergedCount }
        var columns: [String: [Double]] = [:]
        for name in metrics {
            columns[name] = groups.flatMap { $0.values(metric: name) }
        }
        metricValues = columns
    }

    /// "n=5" or "n=3 (1 diverged, 1 failed)": what the means are over, and what was left out.
    public var countLabel: String {
        var extra: [String] = []
        if divergedCount > 0 { extra.append("\(divergedCount) diverged") }
        if failedCount > 0 { extra.append("\(failedCount) failed") }
        return "n=\(okCount)" + (extra.isEmpty ? "" : " (" + extra.joined(separator: ", ") + ")")
    }

    /// A per-trial number over the finished (ok) trials; diverged and failed ones are excluded.
    public func values(_ extract: (TrialRecord) -> Double?) -> [Double] {
        ok.compactMap(extract).filter(\.isFinite)
    }

    public func summary(_ extract: (TrialRecord) -> Double?) -> Summary? { Summary.of(values(extract)) }

    /// A final metric's finite values over the ok trials (as `values(TrialNumbers.metric(name))`).
    public func values(metric name: String) -> [Double] { metricValues[name] ?? [] }

    public func summary(metric name: String) -> Summary? { Summary.of(values(metric: name)) }
}

/// Records grouped by every axis but the seed.
public struct GroupedSweep: Sendable {
    public var records: [TrialRecord]
    public var axes: [SweepAxis]
    /// Fields equal across all records (the fixed setup), by name.
    public var constants: [(name: String, value: AxisValue)]
    public var groups: [TrialGroup]
    /// Final-metric names found in any record, headline metrics first.
    public var metricNames: [String]
    /// Curve names found in any record, headline metrics first.
    public var curveNames: [String]
    /// Axes left out of labels because another axis determines them one-to-one
    /// (typically the sub-sweep name next to the field that tells the sub-sweeps apart).
    public var redundantAxes: Set<String>

    /// Fields that describe the run rather than define a grid point.
    static let ignoredFields: Set<String> = [TrialConfig.Field.seed.rawValue]

    public init(records: [TrialRecord]) {
        self.records = records
        // Records that differ only in seed (usually most of them) have the
        // same field values: those are read once per distinct config and
        // sub-sweep (a "class"), since reading fields formats every number.
        struct Unseeded: Hashable { var config: TrialConfig; var sweep: String }
        var classIndex: [Unseeded: Int] = [:]
        var classes: [(values: [String: AxisValue], sweep: String)] = []
        var classOf: [Int] = []
        classOf.reserveCapacity(records.count)
        var previous: (key: Unseeded, index: Int)?
        for r in records {
            var key = Unseeded(config: r.config, sweep: r.sweep)
            key.config.seed = 0
            if let previous, previous.key == key {
                classOf.append(previous.index)
                continue
            }
            let index: Int
            if let known = classIndex[key] {
                index = known
            } else {
                index = classes.count
                classIndex[key] = index
                classes.append((key.config.applicableFieldValues, key.sweep))
            }
            classOf.append(index)
            previous = (key, index)
        }
        let fieldNames = ["sweep"] + TrialConfig.Field.allCases.map(\.rawValue)
        func value(class c: Int, _ name: String) -> AxisValue {
            name == "sweep" ? .text(classes[c].sweep) : (classes[c].values[name] ?? AxisValue.none)
        }
        var axes: [SweepAxis] = []
        var constants: [(name: String, value: AxisValue)] = []
        // Only values that can affect a trial count: a field that applies to
        // none of the trials is not listed, one that takes a single value
        // wherever it applies is fixed.
        for name in fieldNames where !Self.ignoredFields.contains(name) {
            let distinct = Set(classes.indices.map { value(class: $0, name) }).subtracting([.notApplicable])
            if distinct.count > 1 {
                axes.append(SweepAxis(name: name, values: distinct.sorted()))
            } else if let only = distinct.first, name != "sweep" || only != .text("") {
                constants.append((name, only))
            }
        }
        self.axes = axes
        self.constants = constants

        // Each class's grid point, and the records of each point in file order.
        var slotOf: [[AxisValue]: Int] = [:]
        var order: [[AxisValue]] = []
        let classSlot = classes.indices.map { c -> Int in
            let key = axes.map { value(class: c, $0.name) }
            if let slot = slotOf[key] { return slot }
            slotOf[key] = order.count
            order.append(key)
            return order.count - 1
        }
        var members = [[TrialRecord]](repeating: [], count: order.count)
        for (i, r) in records.enumerated() { members[classSlot[classOf[i]]].append(r) }
        let slots = order.indices.sorted { a, b in
            for (x, y) in zip(order[a], order[b]) where x != y { return x < y }
            return false
        }
        let redundant = Self.redundantAxes(axes, keys: slots.map { order[$0] })
        self.redundantAxes = redundant
        // Each group's metric columns are built here, on every core.
        let (keys, memberLists, shownAxes) = (order, members, axes)
        groups = OrderedJobs.map(slots) { slot in
            let key = keys[slot]
            let shown = zip(shownAxes, key).filter { !redundant.contains($0.0.name) && $0.1 != .notApplicable }
            let label = shown.isEmpty ? "all trials" : shown.map { "\($0.name)=\($1)" }.joined(separator: ", ")
            let rs = memberLists[slot].sorted { $0.config.seed < $1.config.seed }
            return TrialGroup(key: key, label: label, records: rs)
        }
        var metrics = Set<String>(), curves = Set<String>()
        for r in records {
            for name in r.result.metrics.keys { metrics.insert(name) }
            for name in r.result.curves.keys { curves.insert(name) }
        }
        metricNames = MetricNames.ordered(metrics)
        curveNames = MetricNames.ordered(curves)
    }

    /// An axis is redundant when some other axis maps one-to-one onto it over
    /// the grid points; of such a pair the sub-sweep name (else the later axis) is dropped.
    /// (E.g. `steps` scaled with `n_train`: labels say n_train.)
    static func redundantAxes(_ axes: [SweepAxis], keys: [[AxisValue]]) -> Set<String> {
        var dropped = Set<String>()
        func bijective(_ i: Int, _ j: Int) -> Bool {
            var forward: [AxisValue: AxisValue] = [:], backward: [AxisValue: AxisValue] = [:]
            for k in keys {
                if let f = forward[k[i]], f != k[j] { return false }
                if let b = backward[k[j]], b != k[i] { return false }
                forward[k[i]] = k[j]
                backward[k[j]] = k[i]
            }
            return true
        }
        for i in axes.indices {
            for j in axes.indices where j > i && !dropped.contains(axes[j].name) && !dropped.contains(axes[i].name) {
                guard bijective(i, j) else { continue }
                dropped.insert(axes[i].name == "sweep" ? axes[i].name : axes[j].name)
            }
        }
        return dropped
    }

    /// The records of the groups whose value on `axisName` is `value`.
    public func records(where axisName: String, is value: AxisValue) -> [TrialRecord] {
        groups(where: axisName, is: value).flatMap(\.records)
    }

    /// The groups whose value on `axisName` is `value`.
    public func groups(where axisName: String, is value: AxisValue) -> [TrialGroup] {
        guard let i = axisIndex(axisName) else { return [] }
        return groups.filter { $0.key[i] == value }
    }

    public func axis(named name: String) -> SweepAxis? { axes.first { $0.name == name } }
    public func axis(_ field: TrialConfig.Field) -> SweepAxis? { axis(named: field.rawValue) }
    public func axisIndex(_ name: String) -> Int? { axes.firstIndex { $0.name == name } }

    /// The groups laid out along one axis: one series per combination of the
    /// other axes (its "context"), each listing (axis value, group) in axis order.
    /// `minPoints` drops series with fewer distinct axis values (a series of
    /// one point says nothing about the axis). Context labels name only the
    /// axes that differ between the series kept.
    public func along(_ axisName: String, excluding: Set<String> = [], minPoints: Int = 1) -> [AxisSeries] {
        guard let a = axisIndex(axisName) else { return [] }
        // An axis that is a function of the plotted one (steps scaled with n_train)
        // moves along the series; as context it would split every series into single points.
        func followsPlotted(_ j: Int) -> Bool {
            var seen: [AxisValue: AxisValue] = [:]
            for g in groups {
                if let v = seen[g.key[a]], v != g.key[j] { return false }
                seen[g.key[a]] = g.key[j]
            }
            return true
        }
        let contextAxes = axes.indices.filter {
            $0 != a && !excluding.contains(axes[$0].name) && !redundantAxes.contains(axes[$0].name) && !followsPlotted($0)
        }
        var order: [[AxisValue]] = []
        var byContext: [[AxisValue]: [(value: AxisValue, group: TrialGroup)]] = [:]
        // A group where the plotted field does not apply has no place on its axis.
        for g in groups where g.key[a] != .notApplicable {
            let context = contextAxes.map { g.key[$0] }
            if byContext[context] == nil { order.append(context) }
            byContext[context, default: []].append((g.key[a], g))
        }
        let kept = order.filter { Set((byContext[$0] ?? []).map(\.value)).count >= minPoints }
        let varying = contextAxes.indices.filter { i in Set(kept.map { $0[i] }).count > 1 }
        return kept.map { context in
            AxisSeries(context: varying.filter { context[$0] != .notApplicable }.map { "\(axes[contextAxes[$0]].name)=\(context[$0])" }
                           .joined(separator: ", "),
                       points: byContext[context] ?? [])
        }
    }

    public var okCount: Int { records.count(where: { $0.status == .ok }) }
    public var divergedCount: Int { records.count(where: { $0.status == .diverged }) }
    public var failedCount: Int { records.count(where: { $0.status == .failed }) }
}

/// Groups along one axis sharing the values of all other axes.
public struct AxisSeries: Sendable {
    /// "depth=2, train=hidden" — empty when the axis is the only one.
    public var context: String
    public var points: [(value: AxisValue, group: TrialGroup)]

    public func label(or fallback: String) -> String { context.isEmpty ? fallback : context }
}
