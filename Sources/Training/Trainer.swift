import Foundation
import Synchronization
import TrialContract

/// Entry points of the training core.
///
/// Parallelism: a shard of at least `threads` networks is trained one
/// network per thread; a shard of fewer networks (typically one big one) runs
/// its networks one after another, each spreading the row (or column) chunks
/// of its products and elementwise passes over `threads` threads
/// (`Parallel`). The arithmetic runs on the core's own kernels (CKernels);
/// OpenBLAS serves only `metrics: full` probes and is kept single-threaded
/// (every call sets its process-wide thread count to 1 and leaves it there),
/// so concurrent `trainShard` calls are safe.
///
/// Determinism: a network's numbers depend only on its config. Every product
/// entry is one fma chain in k order (whatever the chunk, tile, thread or
/// instruction set), chunking depends only on shapes, and every reduction
/// runs in a fixed order on one network's own buffers, so the shard it ran
/// in, its position there, the thread count and the CPU's vector unit never
/// change a bit (tested: alone vs in a shard of 16, threads 1 vs 2, every
/// kernel variant).
public enum Trainer {
    /// Trains one config.
    public static func train(_ config: TrialConfig) -> TrainingResult {
        trainShard([config], threads: 1)[0]
    }

    /// Trains a shard's configs, one network per thread; results in input order.
    /// A trial's result never depends on which shard or thread ran it.
    public static func trainShard(_ configs: [TrialConfig], threads: Int = 1) -> [TrainingResult] {
        let results = Mutex([TrainingResult?](repeating: nil, count: configs.count))
        trainShard(configs, threads: threads) { index, result in
            results.withLock { $0[index] = result }
        }
        return results.withLock { $0.map { $0 ?? TrainingResult(status: .failed, message: "not run") } }
    }

    /// Trains configs and reports each result as soon as it is done (from a
    /// worker thread; `onResult(index, result)` with `index` into `configs`).
    /// Returns when every result has been reported.
    public static func trainShard(_ configs: [TrialConfig], threads: Int,
                                  onResult: @escaping @Sendable (Int, TrainingResult) -> Void) {
        trainShard(configs, threads: threads, bookkeeping: true, onResult: onResult)
    }

    /// `bookkeeping: false` trains without metrics (for the bench's measure of what they cost).
    static func trainShard(_ configs: [TrialConfig], threads: Int, bookkeeping: Bool,
                           onResult: @escaping @Sendable (Int, TrainingResult) -> Void) {
        guard !configs.isEmpty else { return }
        let threads = max(1, threads)
        // Never restored: another trainShard may be running concurrently, and a
        // multi-threaded OpenBLAS would change results in the last bits.
        BLASThreads.set(1)
        if configs.count < threads || threads == 1 {
            for (i, c) in configs.enumerated() { onResult(i, trainOne(c, threads: threads, bookkeeping: bookkeeping)) }
            return
        }
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                guard i < configs.count else { return }
                onResult(i, trainOne(configs[i], threads: 1, bookkeeping: bookkeeping))
            }
        }
    }

    /// Validates, builds the data and trains; never throws or traps on a bad
    /// config or data file (the result says `failed` and why).
    static func trainOne(_ config: TrialConfig, threads: Int, bookkeeping: Bool = true) -> TrainingResult {
        let start = DispatchTime.now().uptimeNanoseconds
        var result: TrainingResult
        do {
            try config.validate()
            // A worker smaller than the plan assumed says so instead of aborting in the allocator.
            try SizeLimits.check(config, limit: .thisMachine)
            let split = try DataSplit.make(for: config)
            switch config.dtype {
            case .float32: result = try run(TrialRun<Float>(config: config, split: split, threads: threads), bookkeeping)
            case .float64: result = try run(TrialRun<Double>(config: config, split: split, threads: threads), bookkeeping)
            }
        } catch let e as TrainingError {
            result = TrainingResult(status: .failed, message: e.description)
        } catch {
            result = TrainingResult(status: .failed, message: "\(error)")
        }
        result.timing.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return result
    }

    private static func run<T: BLASScalar>(_ r: TrialRun<T>, _ bookkeeping: Bool) -> TrainingResult {
        r.bookkeeping = bookkeeping
        var result = r.run()
        result.timing.metricSeconds = r.probeSeconds
        return result
    }
}
