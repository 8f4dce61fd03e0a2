import Foundation
import Testing
import TrialContract

@Suite(.serialized) struct CommandTests {
    @Test func runStartsLocalWorkersAndLogsJSONLines() async throws {
        let s = try Scratch()
        defer { s.cleanup() }
        let (spec, ids) = try s.trialList(120)
        let out = s.path("sub/results.jsonl")
        let run = try Child(["run", spec, "--workers", "2", "--out", out, "--simulate", "0.002", "--log-format", "json"],
                            log: s.path("run.log"))
        #expect(await run.wait(60) == 0, "run: \(run.log)")
        let records = Scratch.records(out)
        #expect(records.count == ids.count && Set(records.map(\.id)) == ids)
        #expect(Set(records.map(\.worker)).isSubset(of: ["local-1", "local-2"]))
        let lines = run.log.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(obj?["message"] != nil, "not a JSON log line: \(line)")
        }
        // The same file again without --resume is refused; with it there is nothing left to do.
        let again = try Child(["run", spec, "--workers", "1", "--out", out, "--simulate", "0"], log: s.path("again.log"))
        #expect(await again.wait(30) != 0)
        #expect(again.log.contains("--resume"))
        let resumed = try Child(["run", spec, "--workers", "1", "--out", out, "--resume", "--simulate", "0"], log: s.path("resumed.log"))
        #expect(await resumed.wait(30) == 0, "resume: \(resumed.log)")
        #expect(Scratch.records(out).count == ids.count)
    }

    @Test func badFlagsGetOneLineAndNonZeroExit() async throws {
        let s = try Scratch()
        defer { s.cleanup() }
        let cases: [[String]] = [
            ["worker", "--connect", "example.org:5555"],
            ["worker", "--connect", "tcp://127.0.0.1:5555", "--jobs", "0"],
            ["worker", "--connect", "tcp://127.0.0.1:5555", "--curve-secret", s.path("nope.key")],
            ["coordinator", s.path("missing.jsonl"), "--out", s.path("r.jsonl")],
            ["coordinator", s.path("x.jsonl"), "--out", s.path("r.jsonl"), "--liveness", "0"],
            ["coordinator", s.path("x.jsonl"), "--out", s.path("r.jsonl"), "--curve-secret", s.path("a"), "--curve-allow", s.path("b")],
        ]
        _ = try s.trialList(3, name: "x.jsonl")
        for (i, args) in cases.enumerated() {
            let c = try Child(args, log: s.path("c\(i).log"))
            let status = await c.wait(20)
            #expect(status != nil && status != 0, "\(args)")
            let errorLines = c.log.split(separator: "\n").filter { $0.contains("Error") || $0.contains("error") }
            #expect(errorLines.count >= 1, "\(args): \(c.log)")
            #expect(!c.log.contains("Fatal error"), "\(args)")
        }
    }

    @Test func bindingAPublicInterfaceInTheClearWarns() async throws {
        let s = try Scratch()
        defer { s.cleanup() }
        let (spec, _) = try s.trialList(3)
        let c = try Child(["coordinator", spec, "--bind", "tcp://0.0.0.0:\(Int.random(in: 20_000...60_000))", "--out", s.path("r.jsonl")],
                          log: s.path("c.log"))
        let deadline = Date().addingTimeInterval(15)
        while !c.log.contains("without encryption") && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(c.log.contains("without encryption"))
        c.signal(SIGTERM)
        #expect(await c.wait(15) == 143)
    }
}
