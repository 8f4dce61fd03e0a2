import Foundation
import Store
import Sweep
import TestSupport
import Testing
import TrialContract

/// `report --watch` and `status --watch` through the built binary, against a
/// result file the test appends to as a coordinator would.
@Suite struct LiveViewCommandTests {
    static func liveData(_ dir: URL) -> [String: Any]? {
        guard let js = try? String(contentsOf: dir.appendingPathComponent("live.js"), encoding: .utf8),
              js.hasPrefix("oversweepLive("), js.hasSuffix(");\n") else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(js.dropFirst(14).dropLast(3).utf8)) as? [String: Any]
    }

    @Test func reportWatchFollowsTheFileAndStopsWhenTheSweepIsComplete() throws {
        var sweep = try WatchedSweep(lines: 3)
        defer { sweep.close() }
        let (out, watch) = (sweep.out, sweep.watch)
        let page = out.appendingPathComponent("index.html").path
        #expect(eventually(within: 30) {
            (Self.liveData(out)?["panel"] as? String)?.contains("3 of 8 trials") == true && FileManager.default.fileExists(atPath: page)
        }, "\(watch.stderr)")
        let html = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(html.contains("id=\"live\"") && html.contains("<svg") && html.contains("live.js"))
        let seq = Self.liveData(out)?["seq"] as? Int ?? 0
        try sweep.fixture.append(3)
        #expect(eventually(within: 30) { (Self.liveData(out)?["panel"] as? String)?.contains("6 of 8 trials") == true })
        #expect((Self.liveData(out)?["seq"] as? Int ?? 0) > seq)
        // The report is rebuilt with the new trials.
        #expect(eventually(within: 30) {
            ((try? String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)) ?? "").contains("6 trials: 6 ok")
        })
        #expect(watch.process.isRunning, "the sweep is not complete yet")
        try sweep.fixture.append(2)
        #expect(watch.waitForExit(within: 30), "stops by itself once all 8 planned trials are recorded")
        #expect(watch.process.terminationStatus == 0, "\(watch.stderr)")
        #expect(watch.stdout.contains("complete: 8 of 8 trials"))
        let final = try #require(Self.liveData(out))
        #expect(final["complete"] as? Bool == true)
        #expect(try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8).contains("8 trials: 8 ok"))
        #expect(try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8).contains("complete: true"))
    }

    @Test func reportWatchStopsOnSIGINTWithTheReportWritten() throws {
        let sweep = try WatchedSweep(lines: 2)
        defer { sweep.close() }
        let (out, watch) = (sweep.out, sweep.watch)
        #expect(eventually(within: 30) { Self.liveData(out) != nil })
        kill(watch.process.processIdentifier, SIGINT)
        #expect(watch.waitForExit(within: 20))
        #expect(watch.process.terminationStatus == 0 && watch.stdout.contains("stopped: 2 of 8 trials"), "\(watch.stdout) \(watch.stderr)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.md").path))
    }

    @Test func statusWatchPrintsProgressUntilComplete() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-watch")
        defer { try? FileManager.default.removeItem(at: dir) }
        let results = dir.appendingPathComponent("results.jsonl").path
        var fixture = try LiveSweepFixture(yaml: LiveSweepFixture.smallSpec, path: results)
        try fixture.append(4) { t, i in
            var r = LiveSweepFixture.record(t, i)
            if i == 1 {
                r.result = TrainingResult(status: .diverged, message: "loss became inf at step 7", stepsRun: 7)
            }
            return r
        }
        let watch = try BackgroundProcess(OversweepBinary.url, ["status", results, "--watch", "--interval", "0.2"], logs: dir, name: "status")
        defer { watch.stop() }
        #expect(eventually(within: 30) { watch.stdout.contains("4 of 8 trials (50.0%): 3 ok, 1 diverged, 0 failed") }, "\(watch.stderr)")
        try fixture.append(4)
        #expect(watch.waitForExit(within: 30))
        let text = watch.stdout
        #expect(watch.process.terminationStatus == 0, "\(watch.stderr)")
        #expect(text.contains("8 of 8 trials (100.0%): 7 ok, 1 diverged, 0 failed — complete"))
        #expect(text.contains("worker-0") && text.contains("worker-1") && text.contains("loss became inf at step 7"))
        #expect(text.contains("sweep 'live-demo'"))
        // Not a terminal: no screen control codes, and one block per change, not per refresh.
        #expect(!text.contains("\u{1B}["))
        #expect(text.components(separatedBy: "4 of 8 trials").count - 1 == 1)
    }

    @Test func statusWatchWaitsForTheFileAndStopsOnSIGINT() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-watch")
        defer { try? FileManager.default.removeItem(at: dir) }
        let results = dir.appendingPathComponent("later.jsonl").path
        let watch = try BackgroundProcess(OversweepBinary.url, ["status", results, "--watch", "--interval", "0.2"], logs: dir, name: "status")
        defer { watch.stop() }
        #expect(eventually(within: 20) { watch.stderr.contains("waiting for \(results) to appear") })
        var fixture = try LiveSweepFixture(yaml: LiveSweepFixture.smallSpec, path: results)
        try fixture.append(1)
        #expect(eventually(within: 20) { watch.stdout.contains("1 of 8 trials") })
        kill(watch.process.processIdentifier, SIGINT)
        #expect(watch.waitForExit(within: 20) && watch.process.terminationStatus == 0)
    }

    @Test func watchIntervalIsBounded() throws {
        let r = try OversweepBinary.run(["status", "x.jsonl", "--watch", "--interval", "0"])
        #expect(r.status != 0 && r.stderr.contains("--interval must be from 0.2 to 60 seconds"))
        let r2 = try OversweepBinary.run(["report", "x.jsonl", "-o", "/tmp/unused", "--watch", "--interval", "3600"])
        #expect(r2.status != 0 && r2.stderr.contains("--interval must be from 0.2 to 60 seconds"))
    }
}
