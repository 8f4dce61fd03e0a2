import Store
import TrialContract

extension SweepReport {
    /// The curves whose values `build` reads, so that a reader of a large
    /// file can leave the others unconverted (`ResultFile.load(curves:)`):
    /// `train_loss` for the loss plots (and E2's γ̂, E4's slopes); for E1 and
    /// E3 the test error at t = 30, from the first of the test-error family
    /// present; for E5 the first step where `train_error` is 0. A record
    /// without `train_loss` keeps all its curves: a sub-sweep without it
    /// plots its first curve instead. Every other curve is read only by name
    /// (`GroupedSweep.curveNames` is asked only about these). The report
    /// tests check that a report built from records read this way is the one
    /// built from complete records.
    public static func curvesRead(experiments: [ReferenceExperiment]) -> CurveSelection {
        var names: Set<String> = [Metric.trainLoss.name]
        for e in experiments {
            switch e {
            case .e1, .e3: names.formUnion(MetricNames.testError.map(\.name))
            case .e5: names.insert(Metric.trainError.name)
            case .e2, .e4, .e6, .e7: break
            }
        }
        return CurveSelection(names: names, keepAllWithout: Metric.trainLoss.name)
    }
}
