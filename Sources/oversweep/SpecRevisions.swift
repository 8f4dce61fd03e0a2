import Foundation
import Store
import Sweep
import TrialContract

/// Spec revisions of a result file, as the commands use them: planning the
/// file's latest spec again (from its text and the data files it recorded),
/// deciding whether a resume under another spec is a growth (recorded as a
/// new revision) or a change (refused unless forced), and counting what a
/// plan still lacks.
enum SpecRevisions {
    /// The header a new result file of `plan` starts with.
    static func header(_ plan: SweepPlan) -> StoreHeader {
        StoreHeader(sweepName: plan.spec.name, spec: plan.spec.source, specHash: plan.spec.hash, toolVersion: ToolVersion.string,
                    gitRevision: ToolVersion.gitRevision, dataFiles: plan.spec.dataFiles)
    }

    /// The plan of a spec revision: its text planned again, its data files
    /// taken as recorded (not read), so the trial ids are those it was run with.
    /// Throws when the text does not plan to the recorded hash (a merge of
    /// several sweeps, a trial list, a spec another version planned otherwise).
    static func plan(of revision: SpecRevision) throws -> SweepPlan {
        if revision.specHash.hasPrefix("mixed:") { throw CLIError("the file merges several sweeps") }
        let spec = try SweepSpec.parse(yaml: revision.spec, path: revision.sweepName + ".yaml", dataFiles: .recorded(revision.dataFiles))
        guard spec.hash == revision.specHash else {
            throw CLIError("its spec text plans to hash \(spec.hash.prefix(12)), not the recorded \(revision.specHash.prefix(12))")
        }
        return try SweepPlan(spec: spec)
    }

    static func ids(_ plan: SweepPlan) -> Set<TrialID> {
        var ids = Set<TrialID>(minimumCapacity: plan.trialCount)
        for part in planIDs(plan, { $0 }) { ids.formUnion(part) }
        return ids
    }

    /// The plan's trial ids in parts (in plan order), each part's ids passed
    /// through `use`. A trial id costs a few microseconds (canonical text and
    /// SHA-256), so a million-trial plan computes them on every core.
    static func planIDs<T: Sendable>(_ plan: SweepPlan, _ use: @escaping @Sendable ([TrialID]) -> T) -> [T] {
        let parts = max(1, min(64, plan.trialCount / 4096))
        let count = plan.trialCount
        return OrderedJobs.run(parts) { k in
            use((count * k / parts..<count * (k + 1) / parts).map { plan.trial(at: $0).id })
        }
    }

    /// The decision `StoreOptions.reviseSpec` asks for when a resume's spec
    /// (`plan`, nil for a trial list) differs from the file's latest revision:
    /// a spec whose trials include all of the latest revision's is a new
    /// revision; one that drops or changes trials is refused unless `force`,
    /// which records it as a forced revision.
    static func decider(plan: SweepPlan?, header: StoreHeader, force: Bool, out: String)
        -> @Sendable (SpecRevision) throws -> SpecRevision? {
        let newRevision = header.revision
        return { latest in
            var revision = newRevision
            revision.line = 0
            let why: String
            if let plan {
                do {
                    let previous = try Self.plan(of: latest)
                    let current = Self.ids(plan)
                    let dropped = Self.ids(previous).subtracting(current)
                    if dropped.isEmpty { return revision }
                    why = "this spec drops or changes \(dropped.count) of the \(previous.trialCount) trials of the file's latest spec"
                        + " (line \(latest.line), hash \(latest.specHash.prefix(12)))" + dataChanges(latest, plan.spec)
                } catch {
                    why = "the file's latest spec (line \(latest.line)) cannot be planned to compare with this one (\(error))"
                }
            } else {
                why = "written for spec hash \(latest.specHash.prefix(12)), but this trial list hashes to \(header.specHash.prefix(12))"
            }
            guard force else {
                throw StoreError(.specMismatch, path: out,
                                 "\(why); use another output file, or --force to record this spec as a new revision and run its trials")
            }
            revision.forced = true
            return revision
        }
    }

    /// "; data file d.csv changed (sha256 1a2b… → 3c4d…)" for each data file whose bytes differ.
    static func dataChanges(_ latest: SpecRevision, _ spec: SweepSpec) -> String {
        var out = ""
        for f in spec.dataFiles {
            guard let old = latest.dataFiles.first(where: { $0.written == f.written }), old.sha256 != f.sha256 else { continue }
            out += "; data file \(f.written) changed (sha256 \(old.sha256.prefix(12))… → \(f.sha256.prefix(12))…)"
        }
        return out
    }

    /// How many of a plan's trials a set of recorded ids holds.
    static func recorded(in plan: SweepPlan, _ ids: Set<TrialID>) -> Int {
        guard !ids.isEmpty else { return 0 }
        return planIDs(plan) { part in part.reduce(0) { $0 + (ids.contains($1) ? 1 : 0) } }.reduce(0, +)
    }
}
