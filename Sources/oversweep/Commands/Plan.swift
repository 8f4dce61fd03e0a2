import ArgumentParser
import Foundation
import Sweep

struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Check a sweep spec and show its trials, shards, axes and estimated cost.",
        discussion: "Exits 0 for a valid spec; a bad spec prints one line 'Error: FILE:LINE: key: problem'. See docs/spec-format.md."
    )

    @Argument(help: "Path of the sweep spec (YAML).")
    var spec: String

    @Flag(name: .long, help: "Also print one line per trial: index, short id, shard, sub-sweep and axis values.")
    var list = false

    @Option(name: .long, help: "Target seconds per shard (overrides settings.shard_seconds).")
    var shardSeconds: Double?

    @Option(name: .long, help: "Assumed GFLOP/s of one worker (overrides settings.gflops).")
    var gflops: Double?

    func validate() throws {
        if let s = shardSeconds, !(s > 0) { throw ValidationError("--shard-seconds must be > 0") }
        if let g = gflops, !(g > 0) { throw ValidationError("--gflops must be > 0") }
    }

    func run() async throws {
        let spec = try SweepSpec.load(path: self.spec)
        let plan = try SweepPlan(spec: spec, options: ShardingOptions(targetSeconds: shardSeconds, gflops: gflops))
        var out = ""
        out += "spec    \(spec.path)  name \(spec.name)  hash \(spec.hash.prefix(16))\n"
        var notes = plan.trialsPerSweep.filter { !$0.sweep.isEmpty }.map { "\($0.sweep) \($0.count)" }
        if plan.duplicateCount > 0 { notes.append("\(plan.duplicateCount) repeated grid points run once") }
        out += "trials  \(plan.trialCount)" + (notes.isEmpty ? "" : "  (" + notes.joined(separator: ", ") + ")") + "\n"
        let o = plan.options
        out += "shards  \(plan.shardCount)  (target \(Format.number(o.targetSeconds ?? 0)) s at \(Format.number(o.gflops ?? 0)) GFLOP/s, ≤ \(Format.number(o.maxTrialsPerShard.map(Double.init) ?? 0)) trials and \(Format.number((o.memoryBytes ?? 0) / 1_048_576)) MiB each)\n"
        out += "cost    \(Format.flops(plan.totalFlops))  ≈ \(Format.duration(plan.estimatedSeconds)) on one worker\n"
        for f in spec.dataFiles {
            out += "data    \(f.written)\(f.path == f.written ? "" : " → \(f.path)")  (\(f.rows) rows × \(f.columns) columns, sha256 \(f.sha256.prefix(16))…)\n"
        }
        out += "axes\n"
        let width = plan.axes.map(\.field.count).max() ?? 0
        var lastSweep: String?
        for axis in plan.axes {
            if axis.sweep != lastSweep, !axis.sweep.isEmpty { out += "  [\(axis.sweep)]\n" }
            lastSweep = axis.sweep
            let indent = axis.sweep.isEmpty ? "  " : "    "
            var notes: [String] = []
            if axis.isShape { notes.append("shape") }
            if !axis.zippedWith.isEmpty { notes.append("zipped with " + axis.zippedWith.joined(separator: ", ")) }
            if let s = axis.sampled { notes.append(s) }
            if let c = axis.condition { notes.append("when " + c) }
            let name = axis.field.padding(toLength: width, withPad: " ", startingAt: 0)
            out += "\(indent)\(name)  \(Format.values(axis.values))" + (notes.isEmpty ? "" : "  (" + notes.joined(separator: "; ") + ")") + "\n"
        }
        if let halving = spec.halving { out += Self.halvingSummary(halving, plan: plan) }
        FileHandle.standardOutput.write(Data(out.utf8))
        guard list else { return }
        if spec.halving != nil {
            Self.listHalving(plan)
            return
        }
        var lines = ChunkedOutput()
        for i in 0..<plan.trialCount {
            let shard = plan.shardIndex(ofTrial: i)
            let trial = plan.trial(at: i)
            let values = plan.axisValues(at: i).map { "\($0.field)=\($0.value)" }.joined(separator: " ")
            let sweep = trial.sweep.isEmpty ? "" : trial.sweep + " "
            lines.append("\(i) \(trial.id.short) shard=\(shard) \(sweep)\(values)\n")
        }
        lines.flush()
    }

    /// A halving sweep's trials: each bracket's first rung, whose ids are
    /// known now (the budget field set to that rung's budget); later rungs
    /// run the configurations those results promote, so their ids are not.
    static func listHalving(_ plan: SweepPlan) {
        let schedule = HalvingSchedule(plan: plan)
        let field = schedule.spec.budget.rawValue
        var lines = ChunkedOutput()
        for unit in schedule.units {
            let name = (unit.sweep.isEmpty ? "" : "[\(unit.sweep)] ") + "bracket \(unit.bracket)"
            lines.append("\(name), rung \(unit.bracket) (\(field) \(schedule.spec.rungs[unit.bracket])):\n")
            for index in unit.configurations.joined() {
                let trial = schedule.trial(plan, index: index, rung: unit.bracket)
                let values = plan.axisValues(at: index).filter { $0.field != field }.map { "\($0.field)=\($0.value)" }.joined(separator: " ")
                let sweep = trial.sweep.isEmpty ? "" : trial.sweep + " "
                lines.append("\(index) \(trial.id.short) \(sweep)\(values)\n")
            }
            if unit.counts.count > 1 {
                let later = unit.rungs.dropFirst().map { "\(field) \(schedule.spec.rungs[$0])" }.joined(separator: ", ")
                lines.append("  later rungs (\(later)): the configurations these results promote\n")
            }
        }
        lines.flush()
    }
}

/// Standard output written in 64 KiB pieces, for listings of a million lines.
struct ChunkedOutput {
    private var chunk = ""

    mutating func append(_ text: String) {
        chunk += text
        if chunk.utf8.count > 1 << 16 { flush() }
    }

    mutating func flush() {
        FileHandle.standardOutput.write(Data(chunk.utf8))
        chunk = ""
    }
}

extension Plan {
    /// The rungs of a halving spec and what they cost against the full grid.
    static func halvingSummary(_ h: HalvingSpec, plan: SweepPlan) -> String {
        let e = HalvingSchedule(plan: plan).estimate(plan)
        let field = h.budget.rawValue
        var out = "halving \(field) rungs \(h.rungs.map(String.init).joined(separator: ", ")), η = \(Format.number(h.eta)), "
            + "by \(h.metric) (\(h.maximize ? "max" : "min")), \(h.brackets) bracket\(h.brackets == 1 ? "" : "s")\n"
        for unit in e.units {
            let name = (unit.sweep.isEmpty ? "" : "[\(unit.sweep)] ") + "bracket \(unit.bracket)"
            let rungs = unit.rungs.map { "\(field) \($0.budget): \($0.configurations) config\($0.configurations == 1 ? "" : "s"), \($0.trials) trials" }
            out += "  \(name): " + rungs.joined(separator: " → ") + "\n"
        }
        func percent(_ a: Double, _ b: Double) -> String { b > 0 ? String(format: "%.0f %%", 100 * a / b) : "-" }
        out += "  \(e.trials) trials (the full grid: \(plan.trialCount)); \(Format.number(e.budget)) \(field) of \(Format.number(e.fullBudget)) "
            + "(\(percent(e.budget, e.fullBudget))); \(Format.flops(e.flops)) of \(Format.flops(e.fullFlops)) (\(percent(e.flops, e.fullFlops)))\n"
        return out
    }
}

/// Human spellings for the plan summary.
enum Format {
    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(format: "%.3g", x)
    }

    static func flops(_ x: Double) -> String {
        let units: [(Double, String)] = [(1e15, "PFLOP"), (1e12, "TFLOP"), (1e9, "GFLOP"), (1e6, "MFLOP")]
        for (scale, name) in units where x >= scale { return String(format: "%.3g %@", x / scale, name) }
        return String(format: "%.3g FLOP", x)
    }

    static func duration(_ s: Double) -> String {
        if s < 60 { return String(format: "%.3g s", s) }
        if s < 3600 { return String(format: "%.3g min", s / 60) }
        if s < 86400 { return String(format: "%.3g h", s / 3600) }
        return String(format: "%.3g days", s / 86400)
    }

    /// All values when few, else the first and last few.
    static func values(_ v: [String]) -> String {
        if v.count <= 12 { return v.joined(separator: ", ") }
        return v.prefix(5).joined(separator: ", ") + ", … (\(v.count) values) …, " + v.suffix(3).joined(separator: ", ")
    }
}
