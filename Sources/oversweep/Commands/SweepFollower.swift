import Coordinator
import Foundation
import Report
import Store
import Sweep
import Synchronization
import TrialContract

/// Follows a result file for `report --watch` and `status --watch`: each
/// `refresh()` reads only what was appended since the last one (`ResultTail`)
/// and adds it to the progress.
struct SweepFollower {
    let path: String
    private var tail: ResultTail
    private(set) var progress: SweepProgress?
    private(set) var header: StoreHeader?
    private(set) var headerSpec: HeaderSpec?
    private(set) var planNote: String?
    /// A halving sweep's plan: its trials are counted from the records at each refresh.
    private var halvingPlan: SweepPlan?
    private var warnedMissing = false

    init(path: String) {
        self.path = path
        tail = ResultTail(path: path)
    }

    /// True when the file has something new (or has appeared, or was replaced).
    /// A file that does not exist yet is waited for; any other problem ends the watch.
    mutating func refresh() throws -> Bool {
        let batch: ResultTail.Batch
        do {
            batch = try tail.poll()
        } catch let e as StoreError where e.code == .notFound {
            if !warnedMissing { FileHandle.standardError.write(Data("waiting for \(path) to appear\n".utf8)) }
            warnedMissing = true
            return false
        } catch let e as StoreError {
            throw CLIError(e.description)
        }
        guard let header = tail.header else { return false }
        if progress == nil || batch.restarted {
            if batch.restarted { FileHandle.standardError.write(Data("\(path) was replaced or cut short: reading it again from the start\n".utf8)) }
            let spec = HeaderSpec(header, file: path)
            let planned = spec.plannedIDs(header: header)
            self.header = header
            headerSpec = spec
            planNote = planned.note
            progress = SweepProgress(plannedIDs: planned.ids)
            halvingPlan = spec.halvingPlan(header: header)
        }
        progress?.add(batch.records)
        if let halvingPlan, let records = progress?.records {
            let source = HalvingTrialSource(plan: halvingPlan, recorded: records)
            progress?.setPlanCount(planned: source.totalTrials, recorded: source.recordedTrials)
        }
        progress?.unreadableLines += batch.problems.count
        SkippedLines.warn(batch.problems, in: path, limit: 5)
        return !batch.records.isEmpty || batch.restarted
    }

    var context: LiveContext {
        LiveContext(sweep: header?.sweepName ?? "", file: path,
                    writer: FileLineLog.isLocked(path: path) ? "a coordinator is writing the file" : "no process is writing the file",
                    planNote: planNote)
    }
}

/// SIGINT/SIGTERM as a flag the watch loops check between refreshes.
final class StopSignal: Sendable {
    private let raised = Atomic<Bool>(false)

    init() {
        let stream = Signals.stream()
        Task { [self] in
            for await _ in stream {
                self.raised.store(true, ordering: .relaxed)
                break
            }
        }
    }

    var isRaised: Bool { raised.load(ordering: .relaxed) }

    /// Waits `seconds`, returning early when a signal arrives.
    func sleep(_ seconds: Double) async {
        let end = Date().addingTimeInterval(seconds)
        while !isRaised && Date() < end {
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The watch flags' interval, checked.
    static func interval(_ seconds: Double) throws -> Double {
        guard seconds >= 0.2 && seconds <= 60 else { throw CLIError("--interval must be from 0.2 to 60 seconds (got \(seconds))") }
        return seconds
    }
}
