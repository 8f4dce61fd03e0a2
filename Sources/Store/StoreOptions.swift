import TrialContract

/// How a `ResultStore` batches its fsyncs (group commit) and what it accepts on open.
public struct StoreOptions: Sendable {
    /// An appended record is made durable at most this many seconds later
    /// (plus the time of one fsync). The default keeps "durable within one second".
    public var syncInterval: Double
    /// Sync as soon as this many records are waiting, without waiting for the interval.
    public var syncBatchRecords: Int
    /// `append` blocks while this many bytes wait for the disk (backpressure).
    public var maxPendingBytes: Int
    /// Resume a file whose header names a different spec hash (the CLI's `--force`).
    public var allowSpecMismatch: Bool
    /// Decides a resume whose spec hash differs from the file's latest
    /// revision (called with that revision, under the write lock): throw to
    /// refuse, or return the revision to append before any trial (nil: append
    /// nothing). When set, it decides instead of `allowSpecMismatch`.
    public var reviseSpec: (@Sendable (SpecRevision) throws -> SpecRevision?)?
    /// Called on the store's sync thread after each fsync with the ids it made
    /// durable, in append order: the place to acknowledge results to workers
    /// without blocking on `flush()`. Must not call back into the store.
    public var onDurable: (@Sendable ([TrialID]) -> Void)?
    /// Crash tests only: write each batch in 512-byte pieces with a pause
    /// between, so that a SIGKILL often lands in the middle of a line.
    package var slowWritesForCrashTests = false

    public init(syncInterval: Double = 0.5, syncBatchRecords: Int = 8192, maxPendingBytes: Int = 64 << 20,
                allowSpecMismatch: Bool = false, reviseSpec: (@Sendable (SpecRevision) throws -> SpecRevision?)? = nil,
                onDurable: (@Sendable ([TrialID]) -> Void)? = nil) {
        self.syncInterval = syncInterval
        self.syncBatchRecords = syncBatchRecords
        self.maxPendingBytes = maxPendingBytes
        self.allowSpecMismatch = allowSpecMismatch
        self.reviseSpec = reviseSpec
        self.onDurable = onDurable
    }
}
