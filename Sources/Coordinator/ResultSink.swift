import Foundation
import Store
import Sweep
import TrialContract
#if canImport(Glibc)
import Glibc
#endif

/// Where the coordinator records finished trials.
///
/// Implementations guarantee: `append` records a trial at most once — it
/// returns false and writes nothing when the id is already recorded (by this
/// run or an earlier one); `flush` returns only when every appended record is
/// durable; `isRecorded` covers records appended but not yet flushed.
public protocol ResultSink: AnyObject {
    func isRecorded(_ id: TrialID) -> Bool
    /// Records held, including those from earlier runs of the sweep.
    var recordedCount: Int { get }
    func append(_ record: TrialRecord) throws -> Bool
    func flush() throws
    /// The attempt count of a trial that an earlier run recorded as failed and
    /// this run runs again (0 otherwise): its attempts continue from there.
    func priorAttempts(_ id: TrialID) -> Int
    /// Trials recorded as failed by earlier runs and kept as they are.
    var keptFailures: Int { get }
}

extension ResultSink {
    public func priorAttempts(_ id: TrialID) -> Int { 0 }
    public var keptFailures: Int { 0 }
}

/// Records in memory; "durable" means flushed. For tests.
public final class MemoryResultSink: ResultSink {
    public private(set) var records: [TrialRecord] = []
    public private(set) var flushedCount = 0
    private var ids = Set<TrialID>()
    /// Appends attempted with an id already recorded.
    public private(set) var duplicateAppends = 0

    public init(existing: [TrialRecord] = []) {
        for r in existing where ids.insert(r.id).inserted { records.append(r) }
        flushedCount = records.count
    }

    public func isRecorded(_ id: TrialID) -> Bool { ids.contains(id) }
    public var recordedCount: Int { records.count }

    public func append(_ record: TrialRecord) throws -> Bool {
        guard ids.insert(record.id).inserted else {
            duplicateAppends += 1
            return false
        }
        records.append(record)
        return true
    }

    public func flush() throws { flushedCount = records.count }
}

/// The real sink: the crash-safe JSON-lines `ResultStore` (group commit;
/// `flush` returns once the records are fsynced, so acks after it never
/// acknowledge a result a crash could lose).
public final class StoreResultSink: ResultSink {
    public let store: ResultStore
    /// Kept here rather than asking the store: `ResultStore.finishedIDs` copies its set.
    private var ids: Set<TrialID>
    /// Failed trials of earlier runs that this run runs again, with their attempt counts.
    private let rerun: [TrialID: Int]
    public let keptFailures: Int

    /// Opens (or creates, with `header`) the result file. An existing file is
    /// continued only with `resume`; a file of another sweep is refused unless
    /// `allowSpecMismatch`. Trials whose last record is `failed` run again
    /// unless `keepFailed` (`diverged` is a result and stays). `reviseSpec`
    /// decides a resume under a spec other than the file's latest revision
    /// (`StoreOptions.reviseSpec`).
    public init(path: String, header: StoreHeader, resume: Bool, allowSpecMismatch: Bool = false, keepFailed: Bool = false,
                reviseSpec: (@Sendable (SpecRevision) throws -> SpecRevision?)? = nil) throws {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        if exists && !isDirectory.boolValue && size > 0 && !resume {
            throw CoordinatorError("\(path) already exists; pass --resume to continue that sweep")
        }
        store = try ResultStore.open(path: path, creating: header,
                                     options: StoreOptions(allowSpecMismatch: allowSpecMismatch, reviseSpec: reviseSpec))
        ids = store.finishedIDs
        let failed = ids.isEmpty ? [:] : store.failedTrials()
        if keepFailed {
            rerun = [:]
            keptFailures = failed.count
        } else {
            rerun = failed
            keptFailures = 0
            store.allowRerun(failed.keys)
            ids.subtract(failed.keys)
        }
    }

    /// Failed trials of earlier runs that run again.
    public var rerunCount: Int { rerun.count }
    public func priorAttempts(_ id: TrialID) -> Int { rerun[id] ?? 0 }

    deinit { try? store.close() }

    public var recoveryWarnings: [String] { store.recoveryReport.warnings(path: store.path) }
    public func isRecorded(_ id: TrialID) -> Bool { ids.contains(id) }
    public var recordedCount: Int { ids.count }
    /// The trials this sweep need not run again (failed ones to re-run excluded).
    public var recordedIDs: Set<TrialID> { ids }

    public func append(_ record: TrialRecord) throws -> Bool {
        guard ids.insert(record.id).inserted else { return false }
        return try store.append(record)
    }

    public func flush() throws { try store.flush() }

    public func close() throws { try store.close() }
}
