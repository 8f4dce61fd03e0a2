import DataTable
import Foundation
import TestSupport
import Testing
import TrialContract
@testable import Training

@Suite struct DataAndFormatTests {
    static func config(_ data: DataKind) -> TrialConfig {
        var c = TrialConfig()
        c.data = data
        c.dim = 6
        c.nTrain = 40
        c.nTest = 20
        c.seed = 7
        if c.isRegression { c.loss = .square }
        return c
    }

    @Test(arguments: DataKind.allCases.filter { $0 != .file })
    func generatorsAreDeterministicAndOnTheSphere(kind: DataKind) throws {
        let c = Self.config(kind)
        let a = try DataSplit.make(for: c), b = try DataSplit.make(for: c)
        #expect(a == b)
        #expect(a.train.count == 40 && a.test.count == 20)
        #expect(a.train.dim == c.generatorDim)
        for i in 0..<a.train.count {
            let norm = (0..<a.train.dim).map { a.train.x[i * a.train.dim + $0] }.reduce(0) { $0 + $1 * $1 }
            #expect(abs(norm - 1) < 1e-12)
        }
        var other = c
        other.seed = 8
        #expect(try DataSplit.make(for: other) != a)
    }

    @Test func trialsSharingASeedShareDataAndInitialWeights() throws {
        var a = Self.config(.sphereTeacher)
        a.activation = .leaky
        a.alpha = -1
        var b = a
        b.alpha = 0.3
        b.lr = 3
        b.loss = .exponential
        b.momentum = 0.5
        let sa = try InitialState.make(for: a), sb = try InitialState.make(for: b)
        #expect(sa.xTrain == sb.xTrain && sa.yTrain == sb.yTrain && sa.xTest == sb.xTest)
        #expect(sa.layers == sb.layers)
        // More training points keep the first ones; the test set does not move.
        var more = a
        more.nTrain = 80
        let sm = try InitialState.make(for: more)
        #expect(Array(sm.xTrain.values.prefix(sa.xTrain.values.count)) == sa.xTrain.values)
        #expect(sm.xTest == sa.xTest)
        // A deeper net keeps the layers it shares.
        var deeper = a
        deeper.depth = 3
        let sd = try InitialState.make(for: deeper)
        #expect(sd.layers[0] == sa.layers[0])
        #expect(sd.layers[2].weights != sa.layers[1].weights)
    }

    @Test func sphereTeacherHonoursTheMargin() throws {
        var c = Self.config(.sphereTeacher)
        c.margin = 0.3
        let s = try DataSplit.make(for: c)
        // Labels come from one direction β with |βᵀx| ≥ 0.3: a hard-margin linear separator exists.
        // Check via the perceptron-free route: all labels are ±1 and both classes occur.
        #expect(Set(s.train.y) == [1, -1])
        let svmish = try #require(Self.teacherMargin(s.train))
        #expect(svmish >= 0.3 - 1e-12)
    }

    /// The smallest |βᵀx| over the set for the teacher β recovered from the stream.
    static func teacherMargin(_ d: Dataset) -> Double? {
        var rng = RandomStream(seed: 7, purpose: "data/teacher")
        let beta = DataSplit.spherePoint(d.dim, &rng)
        var m = Double.infinity
        for i in 0..<d.count {
            let dot = (0..<d.dim).reduce(0.0) { $0 + beta[$1] * d.x[i * d.dim + $1] }
            if (dot >= 0 ? 1.0 : -1.0) != d.y[i] { return nil }
            m = min(m, abs(dot))
        }
        return m
    }

    @Test func separatedDataKeepsOppositeLabelsApart() throws {
        var c = Self.config(.separated)
        c.separation = 0.4
        c.clusters = 4
        let s = try DataSplit.make(for: c)
        let all = Dataset(x: s.train.x + s.test.x, y: s.train.y + s.test.y, dim: s.train.dim)
        var closest = Double.infinity
        for i in 0..<all.count {
            for j in 0..<i where all.y[i] != all.y[j] {
                let d = (0..<all.dim).reduce(0.0) { let t = all.x[i * all.dim + $1] - all.x[j * all.dim + $1]; return $0 + t * t }
                closest = min(closest, d.squareRoot())
            }
        }
        #expect(closest >= 0.4)
        #expect(Set(all.y) == [1, -1])
    }

    @Test func labelFlipAndBiasCoordinate() throws {
        var c = Self.config(.sphereTeacher)
        c.nTrain = 400
        let clean = try DataSplit.make(for: c)
        c.labelFlip = 0.25
        let noisy = try DataSplit.make(for: c)
        let flipped = zip(clean.train.y, noisy.train.y).filter { $0 != $1 }.count
        #expect(flipped > 60 && flipped < 140)   // Binomial(400, 0.25): mean 100, sd ≈ 8.7
        #expect(clean.test == noisy.test)
        c.labelFlip = 0
        c.biasCoordinate = 1
        let biased = try DataSplit.make(for: c)
        #expect(biased.train.dim == 7)
        // x ↦ (x, 1)/√2 for unit x.
        #expect(abs(biased.train.x[6] - 1 / 2.0.squareRoot()) < 1e-15)
    }

    @Test func logisticLossIsExactFarIntoTheTail() {
        let loss = Loss(kind: .logistic, reduction: .sum, outputs: 1)
        var f: [Double] = [690, 30, -2]
        var g = [Double](repeating: 0, count: 3)
        let y: [Double] = [1, 1, -1]
        let s = loss.evaluate(&f, labels: y, rows: 3, gradient: &g, factor: 1)
        // log(1+e^{-690}) = e^{-690}(1 − e^{-690}/2 …) ≈ 2.8e-300; + log(1+e^{-30}) + log(1+e^{-2}).
        let expected = Double.exp(-690) + Double.log(onePlus: Double.exp(-30)) + Double.log(onePlus: Double.exp(-2))
        #expect(abs(s.loss - expected) <= 1e-15 * expected)
        let single = loss.evaluate(&f, labels: y, rows: 1, gradient: &g, factor: 1)
        #expect(single.loss > 0 && abs(single.loss - Double.exp(-690)) <= 1e-14 * Double.exp(-690))
        #expect(abs(-g[0] - Double.exp(-690)) <= 1e-14 * Double.exp(-690))
    }

    @Test func npyRoundTrip() throws {
        let values: [Double] = [1.5, -2, 3.25, 1e-300, 0, 7]
        let bytes = NPY.encode(values, shape: [2, 3])
        #expect(bytes.count % 64 == 48 || (bytes.count - values.count * 8) % 64 == 0)
        let (shape, back) = try NPY.decode(bytes)
        #expect(shape == [2, 3] && back == values)
        let floats: [Float] = [1, 2.5, -3]
        let (s2, b2) = try NPY.decode(NPY.encode(floats, shape: [3]))
        #expect(s2 == [3] && b2 == [1, 2.5, -3])
        #expect(throws: TrainingError.self) { try NPY.decode(Array("not npy".utf8)) }
        var truncated = bytes
        truncated.removeLast(9)
        #expect(throws: TrainingError.self) { try NPY.decode(truncated) }
    }

    @Test func dataFilesCSVAndNPYSplitByTestFraction() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-data")
        defer { try? FileManager.default.removeItem(at: dir) }
        var rows = [[Double]]()
        for i in 0..<50 { rows.append([Double(i % 7) - 3, 1, Double(i % 3), i % 2 == 0 ? 1 : 0]) }
        let csv = "a,b,c,label\n" + rows.map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\n")
        let csvPath = dir.appendingPathComponent("d.csv").path
        try csv.write(toFile: csvPath, atomically: true, encoding: .utf8)
        let npyPath = dir.appendingPathComponent("d.npy").path
        #expect(FileManager.default.createFile(atPath: npyPath, contents: Data(NPY.encode(rows.flatMap { $0 }, shape: [50, 4]))))
        var c = TrialConfig()
        c.data = .file
        c.testFraction = 0.2
        c.width = 8
        c.steps = 5
        c.dataFile = csvPath
        let fromCSV = try DataSplit.make(for: c)
        c.dataFile = npyPath
        let fromNPY = try DataSplit.make(for: c)
        #expect(fromCSV == fromNPY)
        #expect(fromCSV.train.count == 40 && fromCSV.test.count == 10 && fromCSV.train.dim == 3)
        #expect(Set(fromCSV.train.y) == [1, -1])
        #expect(Trainer.train(c).status == .ok)
        // A malformed file fails with one line naming the file, the line and the column, never the text.
        try "1,2,3\n4,x,6\n".write(toFile: csvPath, atomically: true, encoding: .utf8)
        c.dataFile = csvPath
        let r = Trainer.train(c)
        #expect(r.status == .failed)
        #expect(r.message == "invalid data: data_file \(csvPath): line 2, column 2: not a number")
        try "1,2,3\n4,5,0.5\n".write(toFile: csvPath, atomically: true, encoding: .utf8)
        #expect(Trainer.train(c).message == "invalid data: data_file \(csvPath): row 1, column 3 (label): not ±1 (or 0/1) as logistic loss needs")
    }

    /// A trial planned with a digest trains only on those bytes: another copy
    /// fails it, naming the file, this host and both digests.
    @Test func aDataFileWhoseDigestDiffersFromThePlannedOneIsNotTrainedOn() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-data")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("d.csv").path
        let text = "a,b,label\n0.5,1,1\n-0.5,2,-1\n1.5,0.25,1\n-2,1,-1\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let actual = ContentDigest.sha256(Array(text.utf8))
        var c = TrialConfig()
        c.data = .file
        c.dataFile = path
        c.width = 4
        c.steps = 3
        c.dataDigest = actual
        #expect(Trainer.train(c).status == .ok)
        let planned = String(repeating: "5a", count: 32)
        c.dataDigest = planned
        let r = Trainer.train(c)
        #expect(r.status == .failed && r.metrics.isEmpty && r.stepsRun == 0)
        #expect(r.message == "invalid data: data_file \(path): this host's copy (host \(ProcessInfo.processInfo.hostName)) has sha256 \(actual), "
                + "but the sweep was planned with sha256 \(planned); copy the coordinator's file to this host")
    }

    @Test func gaussianStreamHasUnitMomentsAndStreamsDiffer() {
        var r = RandomStream(seed: 1, purpose: "test")
        let n = 200_000
        var s1 = 0.0, s2 = 0.0
        for _ in 0..<n { let g = r.gaussian(); s1 += g; s2 += g * g }
        // Standard errors: mean 1/√n ≈ 0.0022, variance √(2/n) ≈ 0.0032; 5 SE bounds.
        #expect(abs(s1 / Double(n)) < 0.012)
        #expect(abs(s2 / Double(n) - 1) < 0.016)
        var a = RandomStream(seed: 1, purpose: "init/hidden1", 4, 4)
        var b = RandomStream(seed: 1, purpose: "init/hidden1", 4, 5)
        var c = RandomStream(seed: 1, purpose: "init/hidden2", 4, 4)
        let x = a.next()
        #expect(x != b.next() && x != c.next())
    }

    @Test func recordScheduleIsLogSpacedWithNamedAndFinalSteps() {
        let s = RecordSchedule.steps(total: 300, named: [20, 30, 1000]).sorted()
        #expect(s.first == 0 && s.last == 300)
        #expect(s.contains(30) && s.contains(100) && s.contains(10) && !s.contains(1000))
        #expect(s.count < 40)
    }
}

/// The NTK Gram of `metrics: full` against explicit per-sample gradients.
@Suite struct NTKTests {
    @Test(arguments: [false, true])
    func gramMatchesInnerProductsOfPerSampleGradients(residualWithBias: Bool) throws {
        var c = GradientCheckTests.base()
        c.activation = .tanh
        c.depth = 3
        c.residual = residualWithBias
        c.bias = residualWithBias
        c.train = residualWithBias ? "all" : "2,3,out"
        c.metrics = .full
        let run = try TrialRun<Double>(config: c, split: DataSplit.make(for: c))
        let n = c.nTrain
        let gram = try #require(EmpiricalNTK.gram(run.net, input: run.trainInput.p, rows: n))
        // J_i = ∇_θ f(x_i): backward with ∂L/∂f = e_i.
        var jacobian = [[Double]]()
        for i in 0..<n {
            run.net.forward(run.trainInput.p, rows: n)
            for j in 0..<n { run.net.df.p[j] = j == i ? 1 : 0 }
            run.net.backward(run.trainInput.p, rows: n)
            jacobian.append(run.net.trainableLayers.flatMap { $0.gw!.array + ($0.gb?.array ?? []) })
        }
        for i in 0..<n {
            for j in 0..<n {
                let dot = zip(jacobian[i], jacobian[j]).reduce(0) { $0 + $1.0 * $1.1 }
                // Same products summed in a different order: agreement to rounding.
                #expect(abs(gram[i * n + j] - dot) <= 1e-12 * max(1, abs(dot)))
            }
        }
        let eigen = try SymmetricEigen.eigenvalues(of: gram, n: n)
        #expect(eigen.count == n && eigen.first! >= -1e-12 && eigen.first! <= eigen.last!)
        // Trace = Σ eigenvalues.
        let trace = (0..<n).reduce(0) { $0 + gram[$1 * n + $1] }
        #expect(abs(eigen.reduce(0, +) - trace) <= 1e-10 * trace)
        let r = Trainer.train(c)
        #expect(r.metrics["ntk_lambda_min"] != nil && r.metrics["ntk_lambda_max"]! >= r.metrics["ntk_lambda_min"]!)
    }
}
