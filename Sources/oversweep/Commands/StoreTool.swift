import ArgumentParser
import Coordinator
import Foundation
import Store
import Sweep
import TrialContract

/// Hidden helpers for the result store's crash tests and benchmarks.
struct StoreTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store-tool",
        abstract: "Result-store test and benchmark helpers (not for users).",
        shouldDisplay: false,
        subcommands: [AppendSynthetic.self, StoreBench.self, WriteSweep.self, ResumeLoad.self]
    )
}

/// Appends synthetic records in batches, printing "durable <id>" for each
/// record once `flush()` has returned: the SIGKILL test checks that every id
/// printed is in the file after the process is killed at a random moment.
struct AppendSynthetic: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "append-synthetic", abstract: "Append synthetic records.")

    @Argument(help: "The result file (created if missing).")
    var file: String

    @Option(help: "Records to append (0 = until killed).")
    var count = 0

    @Option(help: "Records per flush.")
    var batch = 10

    @Option(help: "Prefix of the synthetic trial ids (use a new one per run).")
    var prefix = "syn"

    @Option(help: "The store's sync interval in seconds.")
    var syncInterval = 0.05

    @Flag(help: "Write in small pieces with pauses, so a kill often tears a line.")
    var slowWrites = false

    func run() throws {
        let store: ResultStore
        do {
            var options = StoreOptions(syncInterval: syncInterval)
            options.slowWritesForCrashTests = slowWrites
            store = try ResultStore.open(path: file, creating: SyntheticRecords.header(), options: options)
        } catch let e as StoreError {
            throw CLIError(e.description)
        }
        for w in store.recoveryReport.warnings(path: file) { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
        var i = 0
        while count == 0 || i < count {
            var ids: [String] = []
            for _ in 0..<max(1, batch) where count == 0 || i < count {
                let r = SyntheticRecords.make(index: i, prefix: prefix)
                if try store.append(r) { ids.append(r.id.rawValue) }
                i += 1
            }
            try store.flush()
            FileHandle.standardOutput.write(Data(ids.map { "durable \($0)\n" }.joined().utf8))
        }
        try store.close()
    }
}

/// `make bench-store`: write throughput with group commit, and resume-set load.
struct StoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Benchmark the result store.")

    @Option(help: "Records to write (the resume benchmark reads the same file).")
    var records = 1_000_000

    @Option(help: "Directory for the benchmark file (removed afterwards).")
    var dir = NSTemporaryDirectory()

    enum Shape: String, ExpressibleByArgument { case real, small }
    @Option(help: "Records shaped like a real trial's (about 10 KB, 16 curves) or the small synthetic ones (1.7 KB).")
    var shape = Shape.real

    @Option(help: "Write the benchmark file here and keep it (for timing the commands on it); default: a temporary file, removed.")
    var keep: String?

    func run() throws {
        let path = keep ?? (dir as NSString).appendingPathComponent("oversweep-bench-\(getpid()).jsonl")
        if keep != nil { try? FileManager.default.removeItem(atPath: path) }
        defer {
            if keep == nil { try? FileManager.default.removeItem(atPath: path) }
            try? FileManager.default.removeItem(atPath: path + ".corrupt")
        }
        let sample = (0..<1000).map { shape == .small ? SyntheticRecords.make(index: $0, prefix: "bench") : SyntheticRecords.realistic(index: $0, prefix: "bench") }
        func record(_ i: Int) -> TrialRecord {
            var r = sample[i % sample.count]
            r.id = TrialID(rawValue: "bench-\(i)")
            return r
        }

        var t = Date()
        var cpu = cpuSeconds()
        let store = try ResultStore.open(path: path, creating: SyntheticRecords.header(), options: StoreOptions())
        for i in 0..<records { try store.append(record(i)) }
        try store.flush()
        try store.close()
        let writeSeconds = Date().timeIntervalSince(t)
        var cpuUsed = cpuSeconds() - cpu
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        print(String(format: "write: %ld records (%.0f MB) in %.2f s wall = %.0f records/s; %.2f s CPU = %.0f records per CPU-second (group commit, default options, fsync included)",
                     records, Double(size) / 1e6, writeSeconds, Double(records) / writeSeconds, cpuUsed, Double(records) / cpuUsed))

        t = Date()
        cpu = cpuSeconds()
        let ids = try ResultFile.finishedIDs(path: path)
        let loadSeconds = Date().timeIntervalSince(t)
        cpuUsed = cpuSeconds() - cpu
        print(String(format: "resume set: %ld ids from %ld lines in %.2f s wall = %.0f lines/s; %.2f s CPU = %.0f lines per CPU-second (ResultFile.finishedIDs, warm cache)",
                     ids.count, records + 1, loadSeconds, Double(records + 1) / loadSeconds, cpuUsed, Double(records + 1) / cpuUsed))

        t = Date()
        cpu = cpuSeconds()
        let reopened = try ResultStore.open(path: path, creating: SyntheticRecords.header())
        let openSeconds = Date().timeIntervalSince(t)
        cpuUsed = cpuSeconds() - cpu
        try reopened.close()
        print(String(format: "open for resume (lock + verify + id set): %.2f s wall = %.0f lines/s; %.2f s CPU = %.0f lines per CPU-second",
                     openSeconds, Double(records + 1) / openSeconds, cpuUsed, Double(records + 1) / cpuUsed))

        let sampleCount = min(records, 100_000)
        let small = path + ".sample.jsonl"
        defer { try? FileManager.default.removeItem(atPath: small) }
        let s = try ResultStore.open(path: small, creating: SyntheticRecords.header())
        for i in 0..<sampleCount { try s.append(record(i)) }
        try s.close()
        t = Date()
        cpu = cpuSeconds()
        let all = try ResultFile.read(path: small)
        let readSeconds = Date().timeIntervalSince(t)
        cpuUsed = cpuSeconds() - cpu
        print(String(format: "full read (decode every record): %ld records in %.2f s wall = %.0f records/s; %.0f records per CPU-second",
                     all.records.count, readSeconds, Double(all.records.count) / readSeconds, Double(all.records.count) / cpuUsed))

        // Decoding alone (no file, no checksum): the direct reader against Foundation's JSONDecoder on the same lines.
        let lines = try String(contentsOfFile: small, encoding: .utf8).split(separator: "\n").dropFirst().prefix(20_000).map { Data($0.utf8) }
        func rate(_ decode: (Data) throws -> TrialRecord) throws -> Double {
            let start = cpuSeconds()
            for line in lines { _ = try decode(line) }
            return Double(lines.count) / max(cpuSeconds() - start, 1e-6)
        }
        let direct = try rate(LineCodec.decodeRecord)
        let foundationRate = try rate(LineCodec.decodeRecordWithFoundation)
        print(String(format: "  decoding alone, %ld lines: direct reader %.0f records per CPU-second, JSONDecoder %.0f (%.1f× faster)",
                     lines.count, direct, foundationRate, direct / foundationRate))
        // The validating skims of status and report on the same lines (they accept what the direct reader accepts).
        let byteLines = lines.map { Array($0) }
        func skimRate(_ want: RecordSkimmer.Want) -> Double {
            var skimmer = RecordSkimmer(want)
            let start = cpuSeconds()
            var n = 0
            for line in byteLines where skimmer.read(line) != nil { n += 1 }
            return Double(n) / max(cpuSeconds() - start, 1e-6)
        }
        let counts = skimRate(.counts), report = skimRate(.report(curves: [Metric.trainLoss.name]))
        print(String(format: "  skims alone: status (check all, convert id/sweep/status) %.0f records per CPU-second (%.1f× the direct reader); "
                     + "report (convert metrics, config, one curve) %.0f (%.1f×)", counts, counts / direct, report, report / direct))

        // The contract's config writer and reader alone (every lease and record passes both).
        let configs = all.records.prefix(20_000).map(\.config)
        var start = cpuSeconds()
        var texts: [[UInt8]] = []
        texts.reserveCapacity(configs.count)
        for c in configs {
            var w = JSONWriter(capacity: 1024)
            try c.write(to: &w)
            texts.append(w.bytes)
        }
        let writeRate = Double(configs.count) / max(cpuSeconds() - start, 1e-6)
        start = cpuSeconds()
        var read = 0
        for t in texts where TrialConfig.scan(t) != nil { read += 1 }
        let readRate = Double(read) / max(cpuSeconds() - start, 1e-6)
        start = cpuSeconds()
        for c in configs { _ = TrialID(config: c) }
        let idRate = Double(configs.count) / max(cpuSeconds() - start, 1e-6)
        print(String(format: "  configs alone, %ld: write %.0f per CPU-second, read %.0f, trial id %.0f",
                     configs.count, writeRate, readRate, idRate))
    }

    /// User + system CPU time of this process (all threads): the figure that
    /// does not depend on how many others share the machine.
    func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}

/// `make bench-store-scale`: a result file of a spec's first N trials (their
/// real configs and ids), each record shaped like a real one
/// (`SyntheticRecords.realistic`), written through `ResultStore`.
struct WriteSweep: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "write-sweep", abstract: "Write a spec's trials as realistic records.")

    @Argument(help: "The result file to write (replaced).")
    var file: String

    @Option(help: "The sweep spec whose trials the records are.")
    var spec: String

    @Option(help: "Records to write: the plan's first N trials (default: all).")
    var records: Int?

    @Option(help: "The file's format version (older ones write their curve form).")
    var formatVersion = ResultFormat.version

    func run() throws {
        let plan = try SweepPlan(spec: SweepSpec.load(path: spec))
        let count = min(records ?? plan.trialCount, plan.trialCount)
        var header = SpecRevisions.header(plan)
        header.formatVersion = formatVersion
        try? FileManager.default.removeItem(atPath: file)
        let store = try ResultStore.open(path: file, creating: header)
        let block = 8192
        for first in stride(from: 0, to: count, by: block) {
            // Trial ids cost most of making a record: computed on every core, in order.
            let trials = OrderedJobs.run(8) { part in
                stride(from: first + part, to: min(first + block, count), by: 8).map { plan.trial(at: $0) }
            }
            for i in first..<min(first + block, count) {
                let trial = trials[(i - first) % 8][(i - first) / 8]
                var r = SyntheticRecords.realistic(index: i, sweep: trial.sweep)
                r.id = trial.id
                r.config = trial.config
                try store.append(r)
            }
        }
        try store.close()
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        print("wrote \(count) records of \(plan.trialCount) planned (format \(formatVersion)) to \(file): \(size) bytes, \(size / max(count, 1)) per line")
    }
}

/// What `coordinator --resume` does before dispatching: open the result file
/// as its one writer and learn the recorded trials and the failed ones to run again.
struct ResumeLoad: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume-load", abstract: "Open a result file as a resuming coordinator does.")

    @Argument(help: "The result file.")
    var file: String

    func run() throws {
        let sink = try StoreResultSink(path: file, header: ResultFile.header(path: file), resume: true, allowSpecMismatch: true)
        try sink.close()
        print("\(file): \(sink.recordedCount) trials recorded, \(sink.rerunCount) failed ones to run again")
    }
}
