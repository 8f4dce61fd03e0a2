import Foundation
import TrialContract

/// One trial in one dtype: data converted to T, the network, the loop of
/// docs/science.md §4 and the metrics. Confined to the thread that runs it.
final class TrialRun<T: BLASScalar> {
    let config: TrialConfig
    let split: DataSplit
    let loss: Loss
    let net: Network<T>
    let regression: Bool
    /// What hidden layer 1 reads for each set (raw x, or A·x under a fixed embedding).
    let trainInput: Buffer<T>
    let testInput: Buffer<T>
    let nTrain: Int
    let nTest: Int
    private let trainVariance: Double
    private let testVariance: Double
    /// SGD only: the minibatch (rows of trainInput) and its labels.
    private let batchSize: Int
    private let batchInput: Buffer<T>?
    private var batchLabels: [Double]
    private var order: [Int]
    private var cursor: Int
    private var minibatchRNG: RandomStream

    /// False only to measure what the bookkeeping costs (bench): no gradient
    /// norm, no recorded steps (curves, test evaluation, probes), only training.
    var bookkeeping = true
    var sink = MetricSink()
    var probes: [any MetricProbe]
    /// Seconds spent in probes.
    private(set) var probeSeconds = 0.0

    init(config: TrialConfig, split: DataSplit, threads: Int = 1) throws {
        self.config = config
        self.split = split
        loss = Loss(config)
        regression = split.isRegression
        nTrain = split.train.count
        nTest = split.test.count
        let sgd = config.optimizer == .sgd && config.batchSize < nTrain
        batchSize = sgd ? config.batchSize : nTrain
        net = try Network<T>(config: config, inputDim: split.train.dim, capacity: batchSize)
        net.parallel = Parallel(threads: threads)
        trainInput = net.embed(Buffer(split.train.x.map { T($0) }), rows: nTrain)
        testInput = net.embed(Buffer(split.test.x.map { T($0) }), rows: nTest)
        trainVariance = split.train.labelVariance
        testVariance = split.test.labelVariance
        batchInput = sgd ? Buffer(batchSize * net.firstInputCols) : nil
        batchLabels = [Double](repeating: 0, count: sgd ? batchSize : 0)
        order = Array(0..<nTrain)
        cursor = nTrain
        minibatchRNG = RandomStream(seed: config.seed, purpose: "minibatch")
        probes = MetricProbes.make(for: config)
    }

    /// Loss sums over a whole set, forwarded in chunks of the buffer capacity (no gradient).
    func evaluate(_ input: Buffer<T>, labels: [Double], rows n: Int) -> LossSums {
        var total = LossSums()
        let cols = net.firstInputCols
        var start = 0
        labels.withUnsafeBufferPointer { y in
            while start < n {
                let rows = min(net.capacity, n - start)
                net.forward(input.p + start * cols, rows: rows)
                total.add(loss.evaluate(net.f.p, labels: y.baseAddress! + start, rows: rows, gradient: nil,
                                        factor: 0))
                start += rows
            }
        }
        return total
    }

    /// Fills the minibatch with the next `batchSize` indices of a shuffled order,
    /// reshuffling (from the "minibatch" stream) when fewer than a batch remain.
    private func nextBatch() {
        guard let batchInput else { return }
        if cursor + batchSize > nTrain {
            order.shuffle(using: &minibatchRNG)
            cursor = 0
        }
        let cols = net.firstInputCols
        for r in 0..<batchSize {
            let i = order[cursor + r]
            (batchInput.p + r * cols).update(from: trainInput.p + i * cols, count: cols)
            batchLabels[r] = split.train.y[i]
        }
        cursor += batchSize
    }

    private func timedProbes(_ body: (inout any MetricProbe) -> Void) {
        guard !probes.isEmpty else { return }
        let start = DispatchTime.now().uptimeNanoseconds
        for i in probes.indices { body(&probes[i]) }
        probeSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Trains for `config.steps` steps and returns the result (timing left zero).
    func run() -> TrainingResult {
        let steps = config.steps
        let schedule = RecordSchedule.steps(total: steps, named: config.namedSteps)
        let sgd = batchInput != nil
        let input = UnsafePointer((sgd ? batchInput : nil)?.p ?? trainInput.p)
        let rows = batchSize
        let factor = loss.factor(samples: rows)
        let momentum = T(config.momentum), decay = T(config.weightDecay)
        let trainLabels = split.train.y
        var surrogateMin = Double.infinity, surrogateArgmin = 0
        var firstZeroError: Int? = nil
        var status = TrialStatus.ok
        var message: String? = nil
        var stepsRun = 0
        var stopRule = StopRule(config)
        var stop: StopReason? = nil

        let me = self
        if bookkeeping { timedProbes { $0.atInit(me, &me.sink) } }

        for t in 0...steps {
            if sgd { nextBatch() }
            net.forward(input, rows: rows)
            let recorded = bookkeeping && schedule.contains(t)
            // The loss value itself only where it is recorded or a stop rule reads it
            // (ℓ′ and the error counts every step).
            let stepSums = (sgd ? batchLabels : trainLabels).withUnsafeBufferPointer {
                loss.evaluate(net.f.p, labels: $0.baseAddress!, rows: rows, gradient: net.df.p, factor: factor,
                              lossValue: (recorded || stopRule.isActive) && !sgd)
            }
            if !stepSums.finite {
                status = .diverged
                message = "diverged at step \(t): the network output or the loss is not finite"
                break
            }
            // Under GD the step's own forward pass is the full training set: track exactly.
            let trainSums = sgd ? (recorded ? evaluate(trainInput, labels: trainLabels, rows: nTrain) : nil)
                                : stepSums
            net.backward(input, rows: rows)
            var gradSquared = 0.0
            if bookkeeping { for layer in net.trainableLayers { gradSquared += layer.gradientNormSquared() } }
            if !gradSquared.isFinite {
                status = .diverged
                message = "diverged at step \(t): the gradient is not finite"
                break
            }
            if let s = trainSums {
                if !s.finite {
                    status = .diverged
                    message = "diverged at step \(t): the network output on the training set is not finite"
                    break
                }
                if !regression {
                    let sur = s.surrogate / Double(s.samples)
                    if sur < surrogateMin { surrogateMin = sur; surrogateArgmin = t }
                    if s.errors == 0 && firstZeroError == nil { firstZeroError = t }
                }
                if t == 0 {
                    sink.set(.lossInit, loss.factor(samples: s.samples) * s.loss)
                    sink.set(.maxAbsFInit, s.maxAbsOutput)
                }
            }
            if stopRule.isActive, let s = trainSums {
                stop = stopRule.check(step: t, loss: loss.factor(samples: s.samples) * s.loss, errors: regression ? nil : s.errors)
            }
            // A stopped run records its last step, so its final metrics are that step's.
            if recorded || (bookkeeping && stop != nil), let s = trainSums {
                let test = nTest > 0 ? evaluate(testInput, labels: split.test.y, rows: nTest) : nil
                if let test, !test.finite {
                    status = .diverged
                    message = "diverged at step \(t): the network output on the test set is not finite"
                    break
                }
                record(step: t, train: s, test: test, gradNorm: gradSquared.squareRoot())
                timedProbes { $0.atRecord(me, step: t, &me.sink) }
            }
            if t == steps || stop != nil { break }
            var lr = config.effectiveLR
            if config.lrDecayEvery > 0 { lr *= Double.pow(config.lrDecayFactor, Double(t / config.lrDecayEvery)) }
            net.update(lr: T(lr), momentum: momentum, weightDecay: decay)
            stepsRun = t + 1
        }

        if !regression {
            sink.set(.surrogateErrorMin, surrogateMin)
            if surrogateMin.isFinite { sink.set(.surrogateErrorArgmin, Double(surrogateArgmin)) }
            if let z = firstZeroError { sink.set(.firstStepZeroTrainError, Double(z)) }
        }
        var total = 0.0
        for layer in net.trainableLayers {
            let d = layer.distanceFromInit()
            sink.set(LayerMetric.distFromInit.name(layer: layer.name), d)
            total += d * d
        }
        sink.set(.distFromInit, total.squareRoot())
        timedProbes { $0.atEnd(me, &me.sink) }
        return TrainingResult(status: status, message: message, metrics: sink.metrics, curves: sink.curves,
                              stepsRun: stepsRun, stop: status == .ok ? stop ?? .steps : nil)
    }

    /// Basic metrics at a recorded step: curves, and the latest value as the final metric.
    private func record(step: Int, train: LossSums, test: LossSums?, gradNorm: Double) {
        typealias Names = (loss: Metric, error: Metric, mse: Metric, nmse: Metric)
        let sets: [(LossSums?, Double, Names)] = [(train, trainVariance, (.trainLoss, .trainError, .trainMSE, .trainNMSE)),
                                                  (test, testVariance, (.testLoss, .testError, .testMSE, .testNMSE))]
        for (sums, variance, names) in sets {
            guard let s = sums, s.samples > 0 else { continue }
            let n = Double(s.samples)
            sink.put(names.loss, step: step, loss.factor(samples: s.samples) * s.loss)
            if regression {
                if variance > 0 { sink.put(names.nmse, step: step, s.squaredError / n / variance) }
                sink.put(names.mse, step: step, s.squaredError / n)
            } else {
                sink.put(names.error, step: step, Double(s.errors) / n)
            }
        }
        if !regression { sink.put(.surrogateError, step: step, train.surrogate / Double(train.samples)) }
        sink.put(.gradNorm, step: step, gradNorm)
    }
}
