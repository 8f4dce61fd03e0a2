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

/// A JSON-lines file of `TrialRecord`s, appended and fsync'ed on flush.
/// Stand-in until the Store module's `ResultStore` is wired in; on open it
/// reads the ids already present and sets aside a torn last line.
/// The real sink: the crash-safe JSON-lines `ResultStore` (group commit;
/// `flush` returns once the records are fsynced, so acks after it never
/// acknowledge a result a crash could lose).
public final class StoreResultSink: ResultSink {
    public let store: ResultStore
    /// Kept here rather than asking the store: `ResultStore.finishedIDs` copies its set.
    private var ids: Set<TrialID>

    /// Opens (or creates, with `header`) the result file. An existing file is
    /// continued only with `resume`; a file of another sweep is refused unless
    /// `allowSpecMismatch`.
    /// `reviseSpec` decides a resume under a spec other than the file's latest revision (`StoreOptions.reviseSpec`).
    public init(path: String, header: StoreHeader, resume: Bool, allowSpecMismatch: Bool = false,
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
    }

    deinit { try? store.close() }

    public var recoveryWarnings: [String] { store.recoveryReport.warnings(path: store.path) }
    public func isRecorded(_ id: TrialID) -> Bool { ids.contains(id) }
    public var recordedCount: Int { ids.count }

    public func append(_ record: TrialRecord) throws -> Bool {
        guard ids.insert(record.id).inserted else { return false }
        return try store.append(record)
    }

    public func flush() throws { try store.flush() }

    public func close() throws { try store.close() }
}
