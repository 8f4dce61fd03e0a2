import Coordinator
import Store
import Sweep

/// `status --spec` for a halving spec: the trials it will run (every rung
/// filled), what remains, and each bracket's current rung, all replayed
/// from the result file's records as a resumed coordinator would.
enum HalvingStatus {
    static func text(plan: SweepPlan, records: [TrialRecord]) -> String {
        let source = HalvingTrialSource(plan: plan, recorded: records)
        let field = source.schedule.spec.budget.rawValue
        var out = "halving: \(source.totalTrials) trials planned, \(source.totalTrials - source.recordedTrials) remaining\n"
        for p in source.progress {
            let name = (p.sweep.isEmpty ? "" : "[\(p.sweep)] ") + "bracket \(p.bracket)"
            out += "  \(name): rung \(p.rung) (\(field) \(p.budget)): \(p.recorded) of \(p.trials) trials recorded"
                + (p.finished ? "; finished" : "") + "\n"
        }
        return out
    }
}
