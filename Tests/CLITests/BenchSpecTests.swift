import Foundation
import Sweep
import Testing
import TrialContract
@testable import Training

/// `make bench` runs W4 end to end from bench/w4.yaml while the numpy and JAX
/// peers train `Benchmark.workloads`' W4 exports: both must be the same trials.
@Suite struct BenchSpecTests {
    @Test func w4SpecPlansExactlyTheBenchmarkTrials() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../bench/w4.yaml").standardized.path
        let planned = try SweepPlan(spec: SweepSpec.load(path: path)).trials().map { TrialID(config: $0.config) }
        let w4 = try #require(Benchmark.workloads(.float32).first { $0.name == "W4" })
        let expected = w4.configs.map { TrialID(config: $0) }
        #expect(planned.count == 512)
        #expect(Set(planned).count == 512, "512 distinct trials")
        #expect(Set(planned) == Set(expected), "the same trials")
        let firstDifference = planned.indices.first { planned[$0] != expected[$0] }
        #expect(firstDifference == nil, "in the same order (the bench shards like the sweep)")
    }
}
