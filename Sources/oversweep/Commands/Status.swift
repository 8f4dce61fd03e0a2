import ArgumentParser
import Coordinator
import Foundation
import Store
import Sweep
import TrialContract

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Count the trials in a result file: done, diverged, failed, remaining, per sub-sweep.",
        discussion: """
            Remaining trials are counted against --spec, or else against the file's latest \
            spec revision (its spec text and recorded data files, planned again).

            Exit status: 0 when the sweep is complete (every planned trial recorded, none \
            failed, every line readable); otherwise the sum of 2 (trials remain), 4 (failed \
            trials are recorded) and 8 (unreadable lines were skipped); 1 when the file \
            cannot be read at all or the spec cannot be planned.
            """
    )

    @Argument(help: "The result file (JSON lines).")
    var file: String

    @Option(help: "The sweep spec (YAML) to count remaining trials against (default: the file's latest spec revision).")
    var spec: String?

    @Flag(help: "Follow a running sweep: redraw progress, rate, ETA and workers until it is complete (or Ctrl-C).")
    var watch = false

    @Option(help: ArgumentHelp("Seconds between redraws with --watch (0.2 to 60).", valueName: "SECONDS"))
    var interval: Double = 2

    @Flag(help: "Print one JSON object (counts, plan, exit code) instead of text.")
    var json = false

    @OptionGroup var read: ReadFlags

    @Flag(help: .hidden)
    var fullDecode = false

    /// The documented exit codes; a status exits with the sum of those that hold.
    enum Code {
        static let complete: Int32 = 0
        static let remaining: Int32 = 2
        static let failed: Int32 = 4
        static let unreadable: Int32 = 8
    }

    func run() async throws {
        if watch { return try await StatusWatch.run(file: file, interval: StopSignal.interval(interval)) }
        let summary: ResultSummary
        do {
            // --full-decode (hidden): every record decoded on one thread, the reference path.
            summary = try ResultFile.summary(path: file, options: read.options, decodeInFull: fullDecode)
        } catch let e as StoreError {
            throw CLIError(e.description)
        }
        let (plan, noPlan) = try PlanCount.count(summary: summary, specPath: spec, file: file)
        var code = Code.complete
        if let plan, plan.remaining > 0 { code |= Code.remaining }
        if (summary.total["failed"] ?? 0) > 0 { code |= Code.failed }
        if !summary.problems.isEmpty { code |= Code.unreadable }
        if json {
            print(StatusJSON.render(summary, path: file, plan: plan, noPlan: noPlan, code: code).canonicalText)
        } else if summary.trialLines == 0 && !summary.problems.isEmpty {
            // Nothing readable: one line, not a table of zeros and a warning per line.
            FileHandle.standardError.write(Data("Error: \(ResultFile.noReadableLines(summary.problems, path: file))\n".utf8))
        } else {
            print(StatusText.render(summary, path: file, plan: plan, noPlan: noPlan), terminator: "")
            SkippedLines.warn(summary.problems, in: file)
            ReadNotes.unverified(summary.unverifiedLines, in: file)
            if let halving = plan?.halving { print(halving, terminator: "") }
        }
        if code != 0 { throw ExitCode(code) }
    }
}

/// Remaining trials of a plan: `--spec`, or the file's latest spec revision.
struct PlanCount {
    /// The spec file, or nil for the file's own latest revision.
    var specPath: String?
    var specHash: String
    var planned: Int
    /// Recorded trials of this plan.
    var recorded: Int
    var remaining: Int { planned - recorded }
    /// Recorded trials that are not in this plan (an earlier or forced revision's).
    var outside: Int
    /// For a halving spec: each bracket's rung and progress.
    var halving: String?

    /// Throws (exit 1) only for a `--spec` that cannot be planned; when the
    /// file's own spec cannot be planned (a trial list, a foreign spec) there
    /// is no count, and `why` says so.
    static func count(summary: ResultSummary, specPath: String?, file: String) throws -> (count: PlanCount?, why: String?) {
        let plan: SweepPlan
        if let specPath {
            do { plan = try SweepPlan(spec: SweepSpec.load(path: specPath)) } catch { throw CLIError("\(error)") }
        } else {
            guard let latest = summary.revisions.last else { return (nil, "no header line, so no spec to count against") }
            do {
                plan = try SpecRevisions.plan(of: latest)
            } catch {
                return (nil, "the file's spec (line \(latest.line)) cannot be planned: \(error)")
            }
        }
        if plan.spec.halving != nil {
            // Rungs run only what the previous rung's results promote: count what the store's records say will run.
            let records = try ResultFile.read(path: file).records
            let source = HalvingTrialSource(plan: plan, recorded: records)
            var count = PlanCount(specPath: specPath, specHash: plan.spec.hash, planned: source.totalTrials,
                                  recorded: source.recordedTrials, outside: max(0, summary.ids.count - source.recordedTrials))
            count.halving = HalvingStatus.text(plan: plan, records: records)
            return (count, nil)
        }
        let recorded = SpecRevisions.recorded(in: plan, summary.ids)
        return (PlanCount(specPath: specPath, specHash: plan.spec.hash, planned: plan.trialCount, recorded: recorded,
                          outside: summary.ids.count - recorded), nil)
    }
}

enum StatusText {
    static func render(_ s: ResultSummary, path: String, plan: PlanCount? = nil, noPlan: String? = nil) -> String {
        let statuses = ["ok", "diverged", "failed"]
        let latest = s.revisions.last
        var out = "\(path): sweep '\(s.header.sweepName)' (spec \((latest?.specHash ?? s.header.specHash).prefix(12))), format \(s.header.formatVersion), "
            + "written by oversweep \(s.header.toolVersion)\n"
        if s.revisions.count > 1, let latest {
            out += "spec revisions: \(s.revisions.count) (latest at line \(latest.line), \(Timestamp.format(latest.createdAt))\(latest.forced ? ", forced" : ""))\n"
        }
        if s.headerless { out = "\(path): no header line (read with --accept-edited)\n" }
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
            out += "to run the \(failed) failed trial\(failed == 1 ? "" : "s") again: resume the sweep on \(path) (--resume runs failed trials again; --keep-failed keeps them)\n"
        }
        if let plan {
            let against = plan.specPath.map { "spec \($0)" } ?? "the file's latest spec"
            out += "\(against): \(plan.planned) trials planned, \(plan.recorded) recorded, \(plan.remaining) remaining"
                + (plan.outside > 0 ? " (\(plan.outside) recorded trials are not in this plan)" : "") + "\n"
            if plan.specPath != nil, let latest, latest.specHash != plan.specHash {
                out += "note: this spec (hash \(plan.specHash.prefix(12))) is not the file's latest spec revision (hash \(latest.specHash.prefix(12)))\n"
            }
        }
        if let noPlan { out += "remaining trials: not counted (\(noPlan); give --spec)\n" }
        if !s.problems.isEmpty {
            out += "unreadable lines: \(s.problems.count) (not counted; see warnings)\n"
        }
        if s.unverifiedLines > 0 {
            out += "unverified lines: \(s.unverifiedLines) (accepted without a valid checksum)\n"
        }
        return out
    }
}

/// `status --json`: one object, keys sorted.
enum StatusJSON {
    static func render(_ s: ResultSummary, path: String, plan: PlanCount?, noPlan: String?, code: Int32) -> JSONValue {
        func counts(_ c: [TrialStatusName: Int]) -> JSONValue {
            .object(Dictionary(uniqueKeysWithValues: ["ok", "diverged", "failed"].map { ($0, JSONValue.integer(c[$0] ?? 0)) }))
        }
        let latest = s.revisions.last
        var members: [String: JSONValue] = [
            "file": .string(path),
            "sweep_name": .string(s.header.sweepName),
            "format_version": .integer(s.header.formatVersion),
            "spec_hash": latest.map { .string($0.specHash) } ?? .null,
            "revisions": .integer(s.revisions.count),
            "recorded": .integer(s.distinctTrials),
            "statuses": counts(s.total),
            "by_sweep": .object(s.bySweep.mapValues(counts)),
            "duplicate_lines": .integer(s.trialLines - s.distinctTrials),
            "unreadable_lines": .integer(s.problems.count),
            "unverified_lines": .integer(s.unverifiedLines),
            "exit_code": .integer(code),
            "complete": .bool(code == 0),
        ]
        if let plan {
            members["plan"] = .object([
                "spec": plan.specPath.map { .string($0) } ?? .null,
                "spec_hash": .string(plan.specHash),
                "planned": .integer(plan.planned),
                "recorded": .integer(plan.recorded),
                "remaining": .integer(plan.remaining),
                "outside_plan": .integer(plan.outside),
            ])
        } else {
            members["plan"] = .null
            members["plan_note"] = noPlan.map { .string($0) } ?? .null
        }
        return .object(members)
    }
}
