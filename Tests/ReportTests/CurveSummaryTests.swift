import Foundation
import Store
import TestSupport
import Testing
import TrialContract
@testable import Report

@Suite struct CurveSummaryTests {
    /// Groups of random curves — on one schedule, on several, with
    /// non-finite values, a missing curve, a diverged trial, a length that
    /// disagrees with the steps — summarise alike by position (the path for
    /// a shared schedule) and through the per-step dictionary.
    @Test func theSharedScheduleSummarisesAsTheDictionaryDoes() {
        var rng = SplitMix(seed: 14)
        var shared = 0
        for _ in 0..<500 {
            let schedules: [[Int]] = [[0, 1, 2, 5, 10], [0, 1, 2, 5, 10, 20], [0, 2, 1], [3]]
            let common = Int(rng.next() % 2)
            let records = (0..<Int(rng.next() % 6)).map { i -> TrialRecord in
                let steps = rng.next() % 5 == 0 ? schedules[Int(rng.next() % 4)] : schedules[common]
                var values = steps.map { _ in rng.uniform() }
                if rng.next() % 7 == 0 { values[0] = .infinity }
                if rng.next() % 9 == 0 { values.removeLast() }
                let status: TrialStatus = rng.next() % 6 == 0 ? .diverged : .ok
                let curves = rng.next() % 8 == 0 ? [:] : ["train_loss": Curve(steps: steps, values: values)]
                return Fixtures.record(Fixtures.config { $0.seed = UInt64(i) }, status: status, curves: curves)
            }
            if CurveSummary.sharedSteps("train_loss", in: records) != nil { shared += 1 }
            #expect(CurveSummary.of("train_loss", in: records) == CurveSummary.ofByStep("train_loss", in: records))
        }
        #expect(shared > 100 && shared < 480, "\(shared) of 500 groups on one schedule")
    }
}
