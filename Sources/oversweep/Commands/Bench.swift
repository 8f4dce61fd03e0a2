import ArgumentParser
import Foundation
import Synchronization
import Training
import TrialContract

#if canImport(Glibc)
import Glibc
#endif

/// `oversweep bench`: times the training core on the reference workloads W1–W4.
/// Each (workload, dtype) runs in a child process of its own so that its
/// peak resident memory is its own; the parent prints the table.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the training core on the reference workloads W1–W4 (docs/training-core.md).",
        discussion: """
            Prints seconds, GFLOP/s (exact FLOP count) against the measured GEMM peak, and peak \
            resident memory against the bytes the networks need. `make bench` adds numpy and JAX.
            """
    )

    @Option(help: "W1, W2, W3, W4 or all.")
    var workload: String = "all"

    @Option(help: "float32, float64 or all.")
    var dtype: String = "all"

    @Option(help: "Threads (networks in parallel for W3; row chunks of one network for W1/W2).")
    var threads: Int = 2

    @Flag(help: "Run one workload in this process and print one JSON line (used by the table and bench/run.sh).")
    var json = false

    @Flag(help: "Print the machine's measured peaks as JSON and exit: OpenBLAS GEMM (2048³, --threads threads), the core's own product (1024³, one thread) and the FMA rate of one core, per dtype.")
    var gemmPeak = false

    @Flag(help: "With --json: also time the workload without bookkeeping (gradient norms, curves, test evaluation, probes) and report its share.")
    var bookkeeping = false

    @Option(help: "Write each workload's data and initial weights (train --export layout) under DIR/<W>_<dtype>/<i>/ and exit.")
    var export: String?

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be ≥ 1 (got \(threads))") }
        if !["all", "W1", "W2", "W3", "W4"].contains(workload) { throw ValidationError("--workload must be W1, W2, W3, W4 or all (got \(workload))") }
        if !["all", "float32", "float64"].contains(dtype) { throw ValidationError("--dtype must be float32, float64 or all (got \(dtype))") }
        if json && (workload == "all" || dtype == "all") { throw ValidationError("--json runs one workload: give --workload and --dtype") }
    }

    var dtypes: [DType] { dtype == "all" ? [.float32, .float64] : [DType(rawValue: dtype) ?? .float64] }
    var names: [String] { workload == "all" ? ["W1", "W2", "W3", "W4"] : [workload] }

    func run() async throws {
        if let export {
            for d in dtypes {
                for w in Benchmark.workloads(d) where names.contains(w.name) {
                    for (i, c) in w.configs.enumerated() {
                        do {
                            try TrialExport.write(c, to: "\(export)/\(w.name)_\(d.rawValue)/\(i)")
                        } catch let e as TrainingError {
                            throw CLIError(e.message)
                        } catch let e as ConfigError {
                            throw CLIError(e.message)
                        }
                    }
                }
            }
            return
        }
        if gemmPeak {
            var peaks: [String: Double] = [:]
            for d in dtypes {
                peaks[d.rawValue] = Benchmark.gemmPeak(d, threads: threads)
                peaks["product_" + d.rawValue] = Benchmark.productPeak(d)
                peaks["fma_core_" + d.rawValue] = CoreKernels.fmaPeak(d)
            }
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys]
            print(String(decoding: try e.encode(peaks), as: UTF8.self))
            return
        }
        if json {
            guard let w = Benchmark.workloads(dtypes[0]).first(where: { $0.name == workload }) else {
                throw ValidationError("--workload must be W1, W2, W3 or W4 (got \(workload))")
            }
            var m = Self.measure(w, threads: threads)
            if bookkeeping {
                let start = DispatchTime.now().uptimeNanoseconds
                Benchmark.trainWithoutBookkeeping(w.configs, threads: threads)
                m.bareSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            }
            print(Self.encode(m))
            return
        }
        print("GEMM peak (2048³, \(threads) threads): ", terminator: "")
        var peaks = [DType: Double]()
        for d in dtypes {
            peaks[d] = Benchmark.gemmPeak(d, threads: threads)
            print("\(d.rawValue) \(String(format: "%.1f", peaks[d] ?? 0)) GFLOP/s  ", terminator: "")
        }
        print("")
        print("workload dtype    seconds  GFLOP/s  %peak  final_loss   peak_RSS_MB  (base+train)  needed_MB  ratio")
        for d in dtypes {
            for name in names {
                let r = try child(workload: name, dtype: d)
                let pct = 100 * r.gflops / (peaks[d] ?? .nan)
                let train = r.rssPeakMB - r.rssBaseMB
                print(String(format: "%-8@ %-8@ %8.3f %8.1f %5.0f%%  %.6f  %11.1f  (%5.1f+%5.1f)  %9.1f  %5.2f",
                             name, d.rawValue, r.seconds, r.gflops, pct, r.finalLoss, r.rssPeakMB, r.rssBaseMB, train,
                             r.neededMB, train / r.neededMB))
            }
        }
        print("ratio = (peak RSS − RSS before training) / needed; base = runtime, libraries, OpenBLAS buffers.")
    }

    struct Measurement: Codable {
        var workload: String
        var dtype: String
        var impl = "swift"
        var seconds: Double
        var gflops: Double
        var finalLoss: Double
        var rssBaseMB: Double
        var rssPeakMB: Double
        var neededMB: Double
        var status: String
        /// CPU seconds of the timed part (all threads): on a shared machine
        /// the steadier figure of the two.
        var cpuSeconds: Double = 0
        /// Bytes of the networks alive at once (one per thread in a shard of many), MB.
        var aliveMB: Double = 0
        /// Seconds without bookkeeping (`--bookkeeping`), else nil.
        var bareSeconds: Double?
        /// The core's kernel variant ("CKernels avx512").
        var kernels = CoreKernels.name

        enum CodingKeys: String, CodingKey {
            case workload, dtype, impl, seconds, gflops, status
            case finalLoss = "final_loss", rssBaseMB = "rss_base_mb", rssPeakMB = "rss_peak_mb", neededMB = "needed_mb"
            case cpuSeconds = "cpu_seconds", bareSeconds = "bare_seconds", kernels, aliveMB = "alive_mb"
        }
    }

    static func measure(_ w: Benchmark.Workload, threads: Int) -> Measurement {
        let base = peakRSSMB()
        let cpu0 = cpuSeconds()
        // Results are streamed and dropped (as a worker does), keeping only what the table needs.
        let outcomes = Mutex([(index: Int, loss: Double?, problem: String?)]())
        let start = DispatchTime.now().uptimeNanoseconds
        Trainer.trainShard(w.configs, threads: threads) { i, r in
            let problem = r.status == .ok ? nil : "\(r.status.rawValue): \(r.message ?? "")"
            outcomes.withLock { $0.append((i, r.metrics["train_loss"], problem)) }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let cpu = cpuSeconds() - cpu0
        let done = outcomes.withLock { $0 }.sorted { $0.index < $1.index }
        let flops = w.configs.reduce(0) { $0 + Benchmark.flopsPerStep($1) * Double($1.steps) }
        let losses = done.compactMap(\.loss)
        // A shard of at least `threads` networks trains one per thread: that many are alive at once.
        let largest = w.configs.map(Benchmark.bytesNeeded).max() ?? 0
        let alive = w.configs.count >= threads ? Double(threads) * largest : largest
        var m = Measurement(workload: w.name, dtype: w.configs[0].dtype.rawValue, seconds: seconds,
                            gflops: flops / seconds / 1e9, finalLoss: losses.reduce(0, +) / Double(max(1, losses.count)),
                            rssBaseMB: base, rssPeakMB: peakRSSMB(),
                            neededMB: w.configs.reduce(0) { $0 + Benchmark.bytesNeeded($1) } / 1e6,
                            status: done.count == w.configs.count ? done.compactMap(\.problem).first ?? "ok" : "missing results",
                            cpuSeconds: cpu)
        m.aliveMB = alive / 1e6
        return m
    }

    static func encode(_ m: Measurement) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: (try? e.encode(m)) ?? Data(), as: UTF8.self)
    }

    /// User + system CPU seconds of this process so far (all threads).
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// Peak resident set size of this process so far, in MB (10⁶ bytes).
    static func peakRSSMB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) * 1024 / 1e6
    }

    func child(workload: String, dtype: DType) throws -> Measurement {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        p.arguments = ["bench", "--json", "--workload", workload, "--dtype", dtype.rawValue, "--threads", "\(threads)"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0, let m = try? JSONDecoder().decode(Measurement.self, from: data) else {
            throw CLIError("bench: the \(workload) \(dtype.rawValue) run failed (exit \(p.terminationStatus))")
        }
        return m
    }
}
