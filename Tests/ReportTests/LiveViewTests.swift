import Foundation
import Store
import TestSupport
import Testing
import TrialContract
@testable import Report

/// The numbers of the live view, built record by record.
@Suite struct LiveViewTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// Trial `i` of a sweep: run by worker w(i mod workers), ending at t0 + i seconds, taking 2 s.
    static func record(_ i: Int, workers: Int = 2, status: TrialStatus = .ok) -> TrialRecord {
        var c = TrialConfig()
        c.seed = UInt64(i)
        var r = Fixtures.record(c, status: status, metrics: status == .ok ? ["train_loss": 0.1] : [:],
                                message: status == .ok ? nil : "loss became inf at step \(i)")
        r.id = TrialID(rawValue: "trial-\(i)")
        r.worker = "w\(i % workers)"
        r.host = "host\(i % workers)"
        r.startedAt = t0.addingTimeInterval(Double(i) - 2)
        r.endedAt = t0.addingTimeInterval(Double(i))
        r.result.timing.seconds = 2
        return r
    }

    @Test func countsRateEtaAndCompletion() throws {
        let planned = Set((0..<100).map { TrialID(rawValue: "trial-\($0)") })
        var p = SweepProgress(plannedIDs: planned)
        p.add((0..<40).map { Self.record($0) })
        p.add(Self.record(40, status: .diverged))
        var s = p.snapshot(at: Self.t0.addingTimeInterval(41))
        #expect(s.planned == 100 && s.recorded == 41 && s.ok == 40 && s.diverged == 1 && !s.complete)
        #expect(abs((s.fraction ?? 0) - 0.41) < 1e-12)
        // One trial per second by their end times: 59 remain, so about 59 s.
        #expect(abs((s.recentRate ?? 0) - 1) < 1e-9)
        #expect(abs((s.eta ?? 0) - 59) < 1e-6)
        #expect(s.workers.map(\.name) == ["w0", "w1"] && s.workers[0].trials == 21 && s.workers[0].state == "active")
        #expect(s.problems.first?.status == "diverged" && s.problems.first?.message == "loss became inf at step 40")
        // Re-recorded (a re-leased trial): counted once, with its latest status.
        p.add(Self.record(40))
        s = p.snapshot(at: Self.t0.addingTimeInterval(41))
        #expect(s.recorded == 41 && s.ok == 41 && s.diverged == 0)
        // A worker that stopped sending results goes quiet; the others stay active.
        p.add((41..<60).map { Self.record($0, workers: 1) })
        s = p.snapshot(at: Self.t0.addingTimeInterval(100))
        #expect(s.workers.first { $0.name == "w1" }?.state.hasPrefix("quiet for") == true)
        // A trial the plan does not have does not complete it.
        p.add(TrialRecord(id: TrialID(rawValue: "stranger"), config: TrialConfig(), result: TrainingResult(status: .ok), worker: "w0",
                          host: "h", attempt: 1, startedAt: Self.t0, endedAt: Self.t0))
        p.add((60..<100).map { Self.record($0) })
        s = p.snapshot(at: Self.t0.addingTimeInterval(101))
        #expect(s.complete && s.recorded == 101 && s.eta == nil)
        #expect(s.workers.allSatisfy { $0.state == "done" })
        let text = ProgressText.render(s, context: LiveContext(sweep: "demo", file: "r.jsonl"))
        #expect(text.contains("100 of 100 trials (100.0%): 101 ok, 0 diverged, 0 failed (1 not in the plan) — complete"))
        #expect(text.contains("sweep 'demo'") && text.contains("— complete") && text.contains("w0"))
    }

    @Test func withoutAPlanItCountsAndNeverCompletes() {
        var p = SweepProgress(plannedIDs: nil)
        p.add((0..<5).map { Self.record($0) })
        let s = p.snapshot(at: Self.t0)
        #expect(s.planned == nil && s.fraction == nil && s.eta == nil && !s.complete)
        #expect(ProgressText.headline(s) == "5 trials recorded: 5 ok, 0 diverged, 0 failed")
    }

    /// live.js is one call of oversweepLive with a JSON object the page reads.
    @Test func pageDataIsACallWithJSON() throws {
        var p = SweepProgress(plannedIDs: Set((0..<4).map { TrialID(rawValue: "trial-\($0)") }))
        p.add([Self.record(0), Self.record(1, status: .failed)])
        let context = LiveContext(sweep: "demo <&>", file: "r.jsonl", writer: "a coordinator is writing the file")
        let panel = LivePage.panel(p.snapshot(at: Self.t0), context: context)
        #expect(panel.contains("2 of 4 trials (50.0%)") && panel.contains("<progress") && panel.contains("id=\"workers\""))
        #expect(panel.contains("id=\"problems\"") && panel.contains("loss became inf at step 1"))
        let state = LivePage.State(seq: 7, reportVersion: 3, complete: false, interval: 1.5)
        let js = LivePage.dataScript(panel: panel, state: state)
        #expect(js.hasPrefix("oversweepLive(") && js.hasSuffix(");\n"))
        let json = try #require(JSONSerialization.jsonObject(with: Data(js.dropFirst(14).dropLast(3).utf8)) as? [String: Any])
        #expect(json["seq"] as? Int == 7 && json["report"] as? Int == 3 && json["complete"] as? Bool == false)
        #expect(json["panel"] as? String == panel)
        let page = LivePage.html(title: "demo <&>", panel: panel, report: "<p>r</p>", state: state)
        #expect(page.contains("<title>demo &lt;&amp;&gt;</title>") && page.contains("setInterval") && page.contains(", 1500)"))
        // A complete sweep's page does not poll.
        let done = LivePage.html(title: "t", panel: panel, report: "", state: LivePage.State(seq: 8, reportVersion: 3, complete: true, interval: 1))
        #expect(done.contains("complete: true"))
    }
}
