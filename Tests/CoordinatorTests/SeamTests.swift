import Foundation
import Logging
import Store
import Sweep
import TestSupport
import Testing
import Training
import Synchronization
import TrialContract
import Wire
import Worker
@testable import Coordinator

/// One contract, every backend: what the coordinator relies on from a `ResultSink`.
@Suite struct ResultSinkContractTests {
    static func record(_ i: Int) -> TrialRecord {
        var c = TrialConfig()
        c.seed = UInt64(i)
        return TrialRecord(id: TrialID(rawValue: "id\(i)"), config: c, result: TrainingResult(status: .ok, metrics: ["m": Double(i)]),
                           worker: "w", host: "h", attempt: 1, startedAt: Date(timeIntervalSince1970: 0), endedAt: Date(timeIntervalSince1970: 1))
    }

    /// A scratch directory, a result file path in it, and a header.
    static func scratchFile() throws -> (dir: URL, path: String, header: StoreHeader) {
        let dir = try TestFiles.temporaryDirectory("oversweep-sink")
        return (dir, dir.appendingPathComponent("r.jsonl").path,
                StoreHeader(sweepName: "t", spec: "test", specHash: "abc", toolVersion: "test"))
    }

    static func check(_ sink: any ResultSink) throws {
        let before = sink.recordedCount
        #expect(try sink.append(record(1)))
        #expect(try !sink.append(record(1)), "a second append of one id writes nothing")
        #expect(sink.isRecorded(TrialID(rawValue: "id1")), "recorded before the flush")
        #expect(try sink.append(record(2)))
        try sink.flush()
        #expect(sink.recordedCount == before + 2)
    }

    @Test func memorySink() throws {
        let sink = MemoryResultSink()
        try Self.check(sink)
        #expect(sink.flushedCount == 2 && sink.duplicateAppends == 1)
    }

    @Test func storeSinkIsDurableResumableAndCutsATornLine() throws {
        let (dir, path, header) = try Self.scratchFile()
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            let sink = try StoreResultSink(path: path, header: header, resume: false)
            try Self.check(sink)
            try sink.close()
        }
        // Flushed means on disk: a fresh reader sees both records after the header.
        #expect(try ResultFile.finishedIDs(path: path) == [TrialID(rawValue: "id1"), TrialID(rawValue: "id2")])
        #expect(throws: CoordinatorError.self) { try StoreResultSink(path: path, header: header, resume: false) }
        // Another sweep's file is refused on resume.
        let other = StoreHeader(sweepName: "t", spec: "other", specHash: "def", toolVersion: "test")
        #expect(throws: (any Error).self) { try StoreResultSink(path: path, header: other, resume: true) }
        // A crash mid-write leaves a torn last line: it is set aside, the rest is kept.
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.seekToEnd()
        try h.write(contentsOf: Data(#"{"kind":"trial","id":"id3","con"#.utf8))
        try h.close()
        let resumed = try StoreResultSink(path: path, header: header, resume: true)
        #expect(resumed.recordedCount == 2 && !resumed.isRecorded(TrialID(rawValue: "id3")))
        #expect(!resumed.recoveryWarnings.isEmpty)
        #expect(try resumed.append(Self.record(3)))
        #expect(try !resumed.append(Self.record(1)))
        try resumed.flush()
        try resumed.close()
        let read = try ResultFile.read(path: path)
        #expect(read.records.map(\.id.rawValue).sorted() == ["id1", "id2", "id3"] && read.problems.isEmpty)
    }
}

/// The store under the coordinator: what a resume runs again, and a file
/// that was deleted or replaced under it.
@Suite struct StoreSinkResumeTests {
    static func record(_ i: Int, _ status: TrialStatus, attempt: Int = 1) -> TrialRecord {
        var r = ResultSinkContractTests.record(i)
        r.result.status = status
        r.result.message = status == .ok ? nil : "why"
        r.attempt = attempt
        return r
    }

    @Test func resumeRunsFailedTrialsAgainContinuingTheirAttemptsUnlessKept() throws {
        let (dir, path, header) = try ResultSinkContractTests.scratchFile()
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            let sink = try StoreResultSink(path: path, header: header, resume: false)
            for r in [Self.record(1, .ok), Self.record(2, .failed, attempt: 3), Self.record(3, .diverged)] { #expect(try sink.append(r)) }
            try sink.close()
        }
        do {
            let kept = try StoreResultSink(path: path, header: header, resume: true, keepFailed: true)
            #expect(kept.recordedCount == 3 && kept.keptFailures == 1 && kept.rerunCount == 0)
            try kept.close()
        }
        let sink = try StoreResultSink(path: path, header: header, resume: true)
        // `diverged` is a result: only the failed trial runs again, from attempt 3 on.
        #expect(sink.recordedCount == 2 && sink.keptFailures == 0 && sink.rerunCount == 1)
        #expect(!sink.isRecorded(TrialID(rawValue: "id2")) && sink.isRecorded(TrialID(rawValue: "id3")))
        #expect(sink.priorAttempts(TrialID(rawValue: "id2")) == 3)
        #expect(try sink.append(Self.record(2, .ok, attempt: 4)))
        #expect(try !sink.append(Self.record(2, .ok, attempt: 5)), "once again, not twice")
        try sink.flush()
        try sink.close()
        let summary = try ResultFile.summary(path: path)
        #expect(summary.total["ok"] == 2 && summary.total["diverged"] == 1 && summary.total["failed"] == nil)
        // A later resume finds nothing failed.
        let again = try StoreResultSink(path: path, header: header, resume: true)
        #expect(again.rerunCount == 0 && again.recordedCount == 3)
        try again.close()
    }

    @Test(arguments: ["deleted", "replaced"])
    func aStoreWhoseFileIsDeletedOrReplacedStopsWithoutAcknowledging(_ what: String) throws {
        let (dir, path, header) = try ResultSinkContractTests.scratchFile()
        defer { try? FileManager.default.removeItem(at: dir) }
        let durable = Mutex<[TrialID]>([])
        let store = try ResultStore.open(path: path, creating: header,
                                         options: StoreOptions(onDurable: { ids in durable.withLock { $0 += ids } }))
        try store.append(ResultSinkContractTests.record(1))
        try store.flush()
        if what == "deleted" {
            try FileManager.default.removeItem(atPath: path)
        } else {
            try Data("another file\n".utf8).write(to: URL(fileURLWithPath: path + ".new"))
            #expect(rename(path + ".new", path) == 0)
        }
        try store.append(ResultSinkContractTests.record(2))
        #expect { try store.flush() } throws: { error in
            "\(error)".contains(path) && "\(error)".contains(what == "deleted" ? "deleted or moved away" : "replaced by another file")
        }
        #expect(durable.withLock { $0 } == [TrialID(rawValue: "id1")], "the record after the change is never reported durable")
        _ = try? store.close()
    }
}

/// Coordinator and workers wired through the in-process transport: the whole
/// protocol without sockets, including a link that is cut and restored.
@Suite struct InProcessSweepTests {
    @Test func sweepCompletesThroughACutLink() async throws {
        let net = InProcessNetwork()
        var options = CoordinatorOptions(sweepID: "inproc", incarnation: 5)
        options.heartbeatInterval = 0.1
        options.liveness = 3
        options.leaseSize = 4
        let sink = MemoryResultSink()
        let core = CoordinatorCore(options: options, source: MemoryTrialSource(Harness.trials(80), shardSize: 8), sink: sink,
                                   logger: Logger(label: "coordinator"))
        func worker(_ name: String) -> Task<WorkerOutcome, Never> {
            var o = WorkerOptions(name: name, host: "local")
            o.initialBackoff = 0.05
            o.maxBackoff = 0.2
            let agent = WorkerAgent(options: o, runner: SimulatedRunner(secondsPerTrial: 0.05), logger: Logger(label: name))
            let transport = net.client(name)
            return Task { await agent.run(transport: transport, clock: SystemClock(), tickInterval: 0.02) }
        }
        let a = worker("a"), b = worker("b")
        let cutter = Task {
            // Trials take 0.05 s, so the 80 need ≥ 2 s on two workers: at 0.4 s
            // "a" holds a lease even when a loaded machine starts it late.
            try? await Task.sleep(for: .milliseconds(400))
            net.setCut("a", true)
            try? await Task.sleep(for: .milliseconds(1000))
            net.setCut("a", false)
        }
        let outcome = await CoordinatorServer(logger: Logger(label: "server")).run(core: core, transport: net.server, clock: SystemClock())
        await cutter.value
        #expect(outcome == .complete)
        #expect(sink.records.count == 80 && Set(sink.records.map(\.id)).count == 80)
        #expect(core.stats.failedAttempts > 0, "a's leases were lost with its link and re-leased")
        #expect(await b.value == .done)
        a.cancel()
        net.server.close(lingerMs: 0)
    }
}
