import Foundation
import Report
import Store
import Sweep
import TrialContract

/// The sweep spec a result file carries in its header: where the report
/// learns which reference experiment the sweep is (`experiment:`) and a
/// watcher learns how many trials there will be.
struct HeaderSpec {
    let spec: SweepSpec?
    /// Why there is no spec (nil when there is one).
    let problem: String?

    init(_ header: StoreHeader, file: String) {
        if header.spec.isEmpty {
            (spec, problem) = (nil, "the file's header holds no spec")
        } else if header.specHash.hasPrefix("mixed:") {
            (spec, problem) = (nil, "the file merges several sweeps")
        } else {
            do {
                let parsed = try SweepSpec.parse(yaml: header.spec, path: file + " (header's spec)")
                (spec, problem) = (parsed, nil)
            } catch {
                (spec, problem) = (nil, "the header's spec does not parse here (\(error))")
            }
        }
    }

    /// `--experiment` names when given, else the spec's `experiment:` key.
    /// A name the report does not know is an error on the command line and a warning from the spec.
    func experiments(commandLine: [String]) throws -> [ReferenceExperiment] {
        let names = commandLine.isEmpty ? spec?.experiments ?? [] : commandLine
        var out: [ReferenceExperiment] = []
        for name in names {
            if let e = ReferenceExperiment(name: name) {
                out.append(e)
            } else if !commandLine.isEmpty {
                throw CLIError("--experiment \(name): not a reference experiment (\(Self.known))")
            } else {
                FileHandle.standardError.write(Data("warning: the spec names experiment '\(name)', which this version does not know (\(Self.known)): no section for it\n".utf8))
            }
        }
        return out
    }

    static var known: String { ReferenceExperiment.allCases.map(\.rawValue).joined(separator: ", ") }

    /// The ids of every trial the spec plans; nil (with the reason) when they
    /// cannot be known or would not be this file's (the spec now expands to a different hash).
    func plannedIDs(header: StoreHeader) -> (ids: Set<TrialID>?, note: String?) {
        guard let spec else { return (nil, "planned trials unknown: \(problem ?? "no spec")") }
        guard spec.hash == header.specHash else {
            return (nil, "planned trials unknown: the header's spec expands differently in this version of oversweep")
        }
        // A halving sweep's trials depend on its results (`halvingPlan`).
        if spec.halving != nil { return (nil, nil) }
        do {
            let plan = try SweepPlan(spec: spec)
            return (Set(plan.trials().map(\.id)), nil)
        } catch {
            return (nil, "planned trials unknown: \(error)")
        }
    }

    /// The plan of a halving spec (nil for any other spec, or one that is not this file's).
    func halvingPlan(header: StoreHeader) -> SweepPlan? {
        guard let spec, spec.halving != nil, spec.hash == header.specHash else { return nil }
        return try? SweepPlan(spec: spec)
    }
}
