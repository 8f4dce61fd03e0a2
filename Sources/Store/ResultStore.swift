import Foundation
import TrialContract

/// The result file as its one writer (the coordinator) sees it: an exclusive
/// lock, the set of recorded trials, and appends made durable in groups.
///
/// `append` encodes the record and queues its line; a sync thread writes and
/// fsyncs the queue every `syncInterval` seconds or once `syncBatchRecords`
/// are waiting. `flush()` returns only after everything appended before it is
/// on disk: acknowledge a result to a worker only after that (or from
/// `StoreOptions.onDurable`).
public final class ResultStore: @unchecked Sendable {
    public let path: String
    public let header: StoreHeader
    /// The header's spec and every revision after it, including one this open appended.
    public let revisions: [SpecRevision]
    /// The revision this open appended (`StoreOptions.reviseSpec`), if any.
    public let appendedRevision: SpecRevision?
    public let recoveryReport: RecoveryReport
    private let log: any LineLog
    private let options: StoreOptions

    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    private var ids: Set<TrialID>
    /// Read with `ids` when the file was opened (`failedTrials()`).
    private let failedAtOpen: [TrialID: Int]
    private var pending: [UInt8] = []
    private var pendingIDs: [TrialID] = []
    private var appended = 0  // records queued since open
    private var durable = 0  // of those, records on disk
    private var flushWanted = false
    private var closing = false
    private var syncThreadDone = false
    private var failure: StoreError?
    private var firstPendingAt: Date?

    /// Opens (and with `creating`, creates) the result file at `path`: takes
    /// the write lock, checks the header, sets a torn tail aside into
    /// `path.corrupt` and truncates the file to its last good line. With
    /// `creating`, an existing file must have the same spec hash unless
    /// `options.allowSpecMismatch`. Nothing is modified when it throws.
    public static func open(path: String, creating header: StoreHeader?, options: StoreOptions = .init()) throws -> ResultStore {
        let log = try FileLineLog(path: path, writable: true, create: header != nil)
        try log.lockExclusively()
        log.slowWrites = options.slowWritesForCrashTests
        var report = RecoveryReport()
        if let header, try startsNew(log) {
            if log.size > 0 { try setAside(log, from: 0, problems: [], report: &report, path: path) }
            try log.append(LineCodec.encode(header))
            FileLineLog.syncDirectory(of: path)
            report.createdFile = true
        }
        let (scan, recorded) = try RecordedTrials.read(log, path: path)
        let latest = scan.latestRevision
        var revision: SpecRevision?
        if let header, latest.specHash != header.specHash {
            if let decide = options.reviseSpec {
                revision = try decide(latest)
            } else if !options.allowSpecMismatch {
                throw StoreError(.specMismatch, path: path,
                                 "written for spec hash \(latest.specHash.prefix(12)) (sweep '\(latest.sweepName)'), "
                                 + "but this spec hashes to \(header.specHash.prefix(12)); use another output file, or --force to add to it anyway")
            }
        }
        report.skipped = scan.middleProblems
        let tail = scan.tailProblems
        if !tail.isEmpty || scan.end < log.size {
            try setAside(log, from: scan.lastGoodEnd, problems: tail, report: &report, path: path)
        }
        if scan.lastGoodUnterminated {
            try log.append([0x0A])
            report.addedFinalNewline = true
        }
        var revisions = [scan.header.revision] + scan.revisions
        if let r = revision {
            revision?.line = scan.lastGoodLine + 1
            try log.append(LineCodec.encode(r))
            revisions.append(revision ?? r)
        }
        return ResultStore(path: path, header: scan.header, revisions: revisions, appended: revision, log: log, recorded: recorded,
                           report: report, options: options)
    }

    /// A store over any log (tests use `MemoryLineLog`); no lock, no repair.
    public static func open(log: any LineLog, path: String = "<memory>", creating header: StoreHeader?,
                            options: StoreOptions = .init()) throws -> ResultStore {
        var empty = true
        try log.read { _ in empty = false }
        if empty, let header { try log.append(LineCodec.encode(header)) }
        let (scan, recorded) = try RecordedTrials.read(log, path: path)
        var report = RecoveryReport()
        report.skipped = scan.problems
        return ResultStore(path: path, header: scan.header, revisions: [scan.header.revision] + scan.revisions, appended: nil,
                           log: log, recorded: recorded, report: report, options: options)
    }

    private init(path: String, header: StoreHeader, revisions: [SpecRevision], appended: SpecRevision?, log: any LineLog,
                 recorded: RecordedTrials, report: RecoveryReport, options: StoreOptions) {
        self.path = path
        self.header = header
        self.revisions = revisions
        self.appendedRevision = appended
        self.log = log
        self.ids = recorded.ids
        self.failedAtOpen = recorded.failed
        self.recoveryReport = report
        self.options = options
        let thread = Thread { [self] in syncLoop() }
        thread.name = "oversweep-store-sync"
        thread.start()
    }

    /// Every trial recorded in the file or appended since open (any status).
    public var finishedIDs: Set<TrialID> {
        condition.lock(); defer { condition.unlock() }
        return ids
    }

    /// Queues a record; false (and nothing written) if its id is already recorded.
    /// Throws `.invalidRecord` for a record JSON cannot hold, `.unusable` after
    /// a failed write or `close()`.
    @discardableResult
    public func append(_ record: TrialRecord) throws -> Bool {
        let line = try LineCodec.encode(record, path: path, formatVersion: header.formatVersion)
        condition.lock(); defer { condition.unlock() }
        if let failure { throw failure }
        guard !closing else { throw StoreError(.unusable, path: path, "the result store is closed") }
        guard ids.insert(record.id).inserted else { return false }
        if pending.isEmpty { firstPendingAt = Date() }
        pending.append(contentsOf: line)
        pendingIDs.append(record.id)
        appended += 1
        if pendingIDs.count >= options.syncBatchRecords { condition.broadcast() }
        while pending.count > options.maxPendingBytes && failure == nil {
            condition.broadcast()
            condition.wait()
        }
        return true
    }

    /// Returns once every record appended before the call is on disk.
    public func flush() throws {
        condition.lock(); defer { condition.unlock() }
        let target = appended
        while durable < target && failure == nil {
            flushWanted = true
            condition.broadcast()
            condition.wait()
        }
        if let failure { throw failure }
    }

    /// Flushes, stops the sync thread and releases the lock. Later appends throw.
    /// Call it: the sync thread keeps an unclosed store (and its lock) alive.
    public func close() throws {
        condition.lock()
        let target = appended
        while durable < target && failure == nil {
            flushWanted = true
            condition.broadcast()
            condition.wait()
        }
        closing = true
        condition.broadcast()
        while !syncThreadDone { condition.wait() }
        let failure = self.failure
        condition.unlock()
        (log as? FileLineLog)?.closeFile()
        if let failure { throw failure }
    }

    private func syncLoop() {
        condition.lock()
        while failure == nil {
            let due = firstPendingAt.map { $0.addingTimeInterval(options.syncInterval) } ?? .distantFuture
            let ready = !pending.isEmpty && (flushWanted || closing || pendingIDs.count >= options.syncBatchRecords
                || pending.count >= options.maxPendingBytes / 2 || Date() >= due)
            if !ready {
                if closing { break }
                _ = pending.isEmpty ? condition.wait(until: Date().addingTimeInterval(max(options.syncInterval, 0.01))) : condition.wait(until: due)
                continue
            }
            let batch = pending
            let batchIDs = pendingIDs
            let target = appended
            pending = []
            pending.reserveCapacity(batch.count)
            pendingIDs = []
            firstPendingAt = nil
            flushWanted = false
            condition.broadcast()  // appenders waiting on backpressure
            condition.unlock()
            var writeError: StoreError?
            do {
                try log.append(batch)
            } catch let e as StoreError {
                writeError = e
            } catch {
                writeError = StoreError(.io, path: path, "\(error)")
            }
            if writeError == nil { writeError = fileIdentityProblem() }
            if writeError == nil { options.onDurable?(batchIDs) }
            condition.lock()
            if let writeError {
                failure = StoreError(.unusable, path: path, "writing results failed, the store stopped accepting them: \(writeError.message)")
            } else {
                durable = target
            }
            condition.broadcast()
        }
        syncThreadDone = true
        condition.broadcast()
        condition.unlock()
    }

    // MARK: Recovery helpers

    /// True when the file is empty or holds only a torn header (a crash while creating it).
    private static func startsNew(_ log: FileLineLog) throws -> Bool {
        if log.size == 0 { return true }
        let headLength = Int(min(log.size, 4096))
        let head = try log.bytes(at: 0, count: headLength)
        guard !head.contains(0x0A), log.size <= 4096 else { return false }
        let start = Array(#"{"kind":"header","format":""#.utf8) + Array(ResultFormat.marker.utf8)
        let shared = min(head.count, start.count)
        guard head.prefix(shared).elementsEqual(start.prefix(shared)) else { return false }
        return head.withUnsafeBytes { LineCodec.verify($0) } != .valid
    }

    /// Appends bytes `[from, size)` to the sidecar, syncs it, then truncates the log to `from`.
    private static func setAside(_ log: FileLineLog, from: UInt64, problems: [LineProblem], report: inout RecoveryReport, path: String) throws {
        let sidecar = path + ".corrupt"
        var bytes = try log.bytes(at: from, count: Int(log.size - from))
        if bytes.last != 0x0A { bytes.append(0x0A) }
        let side = try FileLineLog(path: sidecar, writable: true, create: true)
        try side.append(bytes)
        FileLineLog.syncDirectory(of: sidecar)
        try log.truncate(to: from)
        report.setAside = problems
        report.sidecarPath = sidecar
    }
}

// MARK: - The file under the store, and failed trials to run again

extension ResultStore {
    /// After each sync: the file at `path` must still be the one written to.
    /// Deleted, moved away or replaced, the records just synced are not where
    /// a reader looks, so they must not be acknowledged (nil: all is well).
    func fileIdentityProblem() -> StoreError? {
        guard let file = log as? FileLineLog else { return nil }
        var mine = stat(), named = stat()
        guard fstat(file.fd, &mine) == 0 else { return nil }
        let exists = stat(path, &named) == 0
        if exists && (named.st_dev != mine.st_dev || named.st_ino != mine.st_ino) {
            return StoreError(.unusable, path: path, "the result file was replaced by another file while the sweep ran; stopping (nothing more is acknowledged)")
        }
        if !exists || mine.st_nlink == 0 {
            return StoreError(.unusable, path: path, "the result file was deleted or moved away while the sweep ran; stopping (nothing more is acknowledged)")
        }
        return nil
    }

    /// Trials whose last record in the file is `failed` (quarantined or
    /// failed), with that record's attempt, as the file was when opened: what
    /// a resume runs again. Read in the same pass as the recorded ids; a line
    /// written by this codec is probed for its status without decoding it, a
    /// failed one is decoded for its attempt.
    public func failedTrials() -> [TrialID: Int] { failedAtOpen }

    /// Lets `ids` be recorded again (a resume re-running failed trials): the
    /// new record follows the old in the file, and readers use the last.
    public func allowRerun(_ ids: some Sequence<TrialID>) {
        condition.lock(); defer { condition.unlock() }
        for id in ids { self.ids.remove(id) }
    }

    /// The value of the first `"status"` member of a line this codec wrote
    /// (it follows `id` and `sweep`, whose escaped text cannot contain it).
    static func fastStatus(_ line: UnsafeRawBufferPointer) -> String? {
        let key = Array(#","status":""#.utf8)
        guard line.count > key.count else { return nil }
        var i = 0
        while i + key.count < line.count {
            if line[i] == key[0] && line[i..<(i + key.count)].elementsEqual(key) {
                let start = i + key.count
                guard let end = line[start...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
                return String(decoding: UnsafeRawBufferPointer(rebasing: line[start..<end]), as: UTF8.self)
            }
            i += 1
        }
        return nil
    }
}
