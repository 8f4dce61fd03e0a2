import Foundation
import Sweep
import TestSupport
import Testing
import TrialContract

/// Sampled axes through the built binary: `oversweep plan --list` in separate
/// processes draws the same trials; scrambled Sobol draws are balanced and of
/// lower discrepancy than plain random ones; sampled trials run, resume and
/// count like any others.
@Suite struct SampledAxesTests {
    /// Three sampled axes whose values are the unit coordinates themselves
    /// (lr shifted by 1), in name order: bias_init_std, label_flip, lr.
    static func spec(method: String, seed: Int, samples: Int) -> String {
        baseYAML + """

            sampler: {method: \(method), seed: \(seed)}
            grid:
              bias: [true]
              lr: {uniform: [1, 2]}
              label_flip: {uniform: [0, 1]}
              bias_init_std: {uniform: [0, 1]}
              samples: \(samples)
            """
    }

    func write(_ text: String, in dir: URL, _ name: String = "spec.yaml") throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The unit points `oversweep plan --list` shows for a spec.
    func points(_ yaml: String, in dir: URL) throws -> [[Double]] {
        let path = try write(yaml, in: dir)
        let out = try OversweepBinary.run(["plan", path, "--list"])
        #expect(out.status == 0, "\(out.stderr)")
        return out.stdout.split(separator: "\n").filter { $0.first?.isNumber == true }.map { line in
            var values: [String: Double] = [:]
            for part in line.split(separator: " ") where part.contains("=") {
                let kv = part.split(separator: "=", maxSplits: 1)
                values[String(kv[0])] = Double(kv[1])
            }
            return [values["bias_init_std"] ?? .nan, values["label_flip"] ?? .nan, (values["lr"] ?? .nan) - 1]
        }
    }

    /// Every elementary interval [a/2^p, (a+1)/2^p) × [b/2^q, (b+1)/2^q) with
    /// p + q = m holds exactly one of 2^m points: a (0, m, 2)-net.
    static func isNet(_ points: [[Double]], m: Int, dimensions: (Int, Int)) -> Bool {
        guard points.count == 1 << m else { return false }
        for p in 0...m {
            let q = m - p
            let cells = Set(points.map { [Int($0[dimensions.0] * Double(1 << p)), Int($0[dimensions.1] * Double(1 << q))] })
            if cells.count != points.count { return false }
        }
        return true
    }

    /// The L2-star discrepancy (Warnock's formula) of points in [0, 1)^d.
    static func l2StarDiscrepancy(_ x: [[Double]]) -> Double {
        let n = Double(x.count), d = Double(x[0].count)
        var single = 0.0, pairs = 0.0
        for a in x {
            single += a.reduce(1) { $0 * (1 - $1 * $1) }
            for b in x { pairs += zip(a, b).reduce(1) { $0 * (1 - max($1.0, $1.1)) } }
        }
        return (pow(3, -d) - pow(2, 1 - d) / n * single + pairs / (n * n)).squareRoot()
    }

    @Test func expansionIsTheSameInEveryProcessAndInThisOne() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try write(Self.spec(method: "sobol", seed: 5, samples: 64) + "\n  width: [8, 16]\n  seeds: 2\n", in: dir)
        let first = try OversweepBinary.run(["plan", path, "--list"])
        let second = try OversweepBinary.run(["plan", path, "--list"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == second.stdout)
        let plan = try SweepPlan(spec: SweepSpec.load(path: path))
        #expect(plan.trialCount == 64 * 2 * 2)
        let listed = first.stdout.split(separator: "\n").filter { $0.first?.isNumber == true }.map { $0.split(separator: " ")[1] }
        #expect(listed.map(String.init) == plan.trials().map(\.id.short))
        #expect(first.stdout.contains("lr             "), "\(first.stdout)")
        #expect(first.stdout.contains("uniform [1, 2]; 64 sobol samples, seed 5"), "\(first.stdout)")
    }

    @Test func sobolPointsAreBalancedAndRandomOnesAreNot() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for seed in [0, 1, 2] {
            let sobol = try points(Self.spec(method: "sobol", seed: seed, samples: 256), in: dir)
            #expect(sobol.count == 256)
            // Dimensions 1 and 2 of Sobol's sequence form a (0, m, 2)-net; scrambling keeps it.
            #expect(Self.isNet(sobol, m: 8, dimensions: (0, 1)), "seed \(seed)")
            // Every dimension alone: one point in each interval of width 1/256, and of 1/16 for the first 16 points.
            for d in 0..<3 {
                #expect(Set(sobol.map { Int($0[d] * 256) }).count == 256, "seed \(seed), dimension \(d)")
                #expect(Set(sobol.prefix(16).map { Int($0[d] * 16) }).count == 16, "seed \(seed), dimension \(d)")
            }
            let random = try points(Self.spec(method: "random", seed: seed, samples: 256), in: dir)
            #expect(!Self.isNet(random, m: 8, dimensions: (0, 1)))
            #expect(Set(random.map { Int($0[0] * 256) }).count < 256)
        }
    }

    @Test func sobolPointsHaveLowerDiscrepancyThanRandomOnes() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sobol = try (0..<3).map { Self.l2StarDiscrepancy(try points(Self.spec(method: "sobol", seed: $0, samples: 256), in: dir)) }
        let random = try (0..<3).map { Self.l2StarDiscrepancy(try points(Self.spec(method: "random", seed: $0, samples: 256), in: dir)) }
        // Random points: about sqrt((2^-3 − 3^-3)/256) ≈ 0.019; a scrambled Sobol net is several times lower.
        #expect(sobol.max()! < random.min()! / 3, "sobol \(sobol), random \(random)")
        #expect(random.allSatisfy { (0.005...0.05).contains($0) }, "\(random)")
    }

    /// Sampled trials are ordinary trials: a run records each once, `status
    /// --spec` counts them, and drawing more samples keeps the first draws,
    /// so a forced resume runs only the new ones.
    @Test func sampledTrialsRunResumeAndCount() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func sampled(_ n: Int) -> String {
            """
            name: sampled
            sampler: {seed: 9}
            base: {data: sphere_teacher, dim: 4, n_train: 16, n_test: 8, width: 8, depth: 1, activation: relu, loss: logistic, steps: 15}
            grid:
              lr: {loguniform: [0.01, 1]}
              momentum: {uniform: [0, 0.9]}
              samples: \(n)
              seeds: 2
            """
        }
        let spec = try write(sampled(4), in: dir)
        let out = dir.appendingPathComponent("out.jsonl").path
        let run = try OversweepBinary.run(["run", spec, "--workers", "2", "--out", out, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        _ = try write(sampled(8), in: dir)
        let status = try OversweepBinary.run(["status", out, "--spec", spec])
        #expect(status.stdout.contains("16 trials planned, 8 recorded, 8 remaining"), "\(status.stdout)")
        // More samples of the same Sobol sequence keep the first ones: a superset, so a spec revision, no --force.
        let resumed = try OversweepBinary.run(["run", spec, "--workers", "2", "--out", out, "--resume", "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let after = try OversweepBinary.run(["status", out, "--spec", spec])
        #expect(after.stdout.contains("trials recorded: 16 — 16 ok"), "\(after.stdout)")
        #expect(after.stdout.contains("16 trials planned, 16 recorded, 0 remaining"), "\(after.stdout)")
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix(#"{"kind":"trial""#) }
        #expect(lines.count == 16, "each trial recorded once")
    }
}
