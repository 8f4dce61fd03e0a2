import ArgumentParser
import Coordinator
import Foundation
import Store
import Sweep
import TrialContract

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Count the trials in a result file: done, diverged, failed, per sub-sweep."
    )

    @Argument(help: "The result file (JSON lines).")
    var file: String

    @Option(help: "The sweep spec (YAML), to also count the trials that remain.")
    var spec: String?

    func run() async throws {
        let summary: ResultSummary
        do {
            summary = try ResultFile.summary(path: file)
        } catch let e as StoreError {
            throw CLIError(e.description)
        }
        print(StatusText.render(summary, path: file), terminator: "")
        SkippedLines.warn(summary.problems, in: file)
        if let spec, let plan = try? SweepPlan(spec: SweepSpec.load(path: spec)), plan.spec.halving != nil {
            print(HalvingStatus.text(plan: plan, records: try ResultFile.read(path: file).records), terminator: "")
        } else if let spec {
            let ids = try ResultFile.finishedIDs(path: file)
            let (planned, remaining) = try RemainingTrials.count(specPath: spec, recorded: ids)
            print("spec \(spec): \(planned) trials planned, \(remaining) remaining")
        }
    }
}

/// `status --spec`: how many of the spec's trials the file does not hold yet.
/// Ids are computed trial by trial from the lazy plan; nothing else is kept.
enum RemainingTrials {
    static func count(specPath: String, recorded: Set<TrialID>) throws -> (planned: Int, remaining: Int) {
        let plan: SweepPlan
        do { plan = try SweepPlan(spec: SweepSpec.load(path: specPath)) } catch { throw CLIError("\(error)") }
        var remaining = 0
        for trial in plan.trials() where !recorded.contains(trial.id) { remaining += 1 }
        return (plan.trialCount, remaining)
    }
}

enum StatusText {
    static func render(_ s: ResultSummary, path: String) -> String {
        let statuses = ["ok", "diverged", "failed"]
        var out = "\(path): sweep '\(s.header.sweepName)' (spec \(s.header.specHash.prefix(12))), format \(s.header.formatVersion), "
            + "written by oversweep \(s.header.toolVersion)\n"
        let counts = statuses.map { "\(s.total[$0] ?? 0) \($0)" }.joined(separator: ", ")
        out += "trials recorded: \(s.distinctTrials) — \(counts)\n"
        if s.trialLines != s.distinctTrials {
            out += "duplicate lines: \(s.trialLines - s.distinctTrials) (a trial recorded twice counts once, with its last status)\n"
        }
        let sweeps = s.bySweep.keys.sorted()
        if sweeps.count > 1 || (sweeps.count == 1 && sweeps[0] != "") {
            let nameWidth = max(9, sweeps.map(\.count).max() ?? 0)
            func pad(_ t: String, _ w: Int) -> String { t.count >= w ? t : t + String(repeating: " ", count: w - t.count) }
            func lpad(_ t: String, _ w: Int) -> String { t.count >= w ? t : String(repeating: " ", count: w - t.count) + t }
            out += pad("sub-sweep", nameWidth) + lpad("trials", 8) + statuses.map { lpad($0, 10) }.joined() + "\n"
            for name in sweeps {
                let c = s.bySweep[name] ?? [:]
                out += pad(name.isEmpty ? "(none)" : name, nameWidth) + lpad("\(c.values.reduce(0, +))", 8)
                    + statuses.map { lpad("\(c[$0] ?? 0)", 10) }.joined() + "\n"
            }
        }
        if let failed = s.total["failed"], failed > 0 {
            out += "to run the \(failed) failed trial\(failed == 1 ? "" : "s") again: oversweep merge \(path) -o NEW.jsonl --drop-status failed, then resume on NEW.jsonl\n"
        }
        if !s.problems.isEmpty {
            out += "unreadable lines: \(s.problems.count) (not counted; see warnings)\n"
        }
        return out
    }
}
