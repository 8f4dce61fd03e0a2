import Foundation
import Logging
import Store
import Sweep
import TestSupport
import Testing
import Training
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
        let dir = try TestFiles.temporaryDirectory("oversweep-sink")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.jsonl").path
        let header = StoreHeader(sweepName: "t", spec: "test", specHash: "abc", toolVersion: "test")
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
