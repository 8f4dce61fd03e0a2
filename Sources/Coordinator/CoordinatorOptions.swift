/// Tunables of the coordinator; the defaults suit a LAN cluster.
public struct CoordinatorOptions: Sendable {
    /// Identifies the sweep (the spec hash); results of another sweep are refused.
    public var sweepID: String
    /// Random per process start; tells workers when the coordinator restarted.
    public var incarnation: UInt64
    /// Seconds between heartbeats on an idle link.
    public var heartbeatInterval: Double = 1
    /// Missed heartbeat intervals before a worker is presumed dead and its leases are re-leased.
    public var liveness: Int = 5
    /// Attempts (failed results or lost workers) before a trial is quarantined.
    public var maxAttempts: Int = 3
    /// Consecutive failed trials (while others succeed) before a worker is quarantined.
    public var workerFailureLimit: Int = 5
    /// Most trials in one lease.
    public var leaseSize: Int = 16
    /// Leases a worker may hold beyond the jobs it declared in its hello.
    public var prefetch: Int = 1
    /// A lease's hard deadline: `minLeaseSeconds` plus `leaseTimeFactor` ×
    /// the plan's estimate of its trials (and of the trials queued ahead of
    /// it on that worker). Heartbeats do not extend it.
    public var leaseTimeFactor: Double = 10
    public var minLeaseSeconds: Double = 60
    /// Throughput the estimate assumes (the plan's `gflops` setting).
    public var assumedGflops: Double = 10
    /// Seconds added to each trial's estimate (setup, data, metrics) before the factor.
    public var trialOverheadSeconds: Double = 0.1
    /// The largest message accepted (told to workers in the welcome, so they split batches below it).
    public var maxMessageSize: Int?
    /// Workers connected at once; hellos beyond are refused.
    public var maxWorkers: Int = 65_536
    /// The most jobs (and threads per job) a hello may declare.
    public var maxJobs: Int = 1024

    public init(sweepID: String, incarnation: UInt64 = UInt64.random(in: 1...UInt64.max)) {
        self.sweepID = sweepID
        self.incarnation = incarnation
    }

    /// Seconds of silence after which a worker is presumed gone.
    public var expiry: Double { heartbeatInterval * Double(liveness) }

    /// A gap between two ticks longer than this means the coordinator itself
    /// was paused (SIGSTOP, swap, a disk stall): the gap is not the workers'
    /// silence. Half the expiry window, so a pause is caught before it expires anyone.
    public var pauseThreshold: Double { max(0.1, expiry / 2) }
}

/// Counters for the progress line and the final summary.
public struct CoordinatorStats: Sendable, Equatable {
    public var total = 0
    /// Trials recorded (ok, diverged, failed or quarantined), earlier runs included.
    public var recorded = 0
    /// Recorded by this run.
    public var recordedThisRun = 0
    /// Trials this run recorded as failed after too many failed attempts.
    public var quarantined = 0
    /// Trials recorded as failed by earlier runs and kept as they are (not run again).
    public var keptFailures = 0
    /// Attempts that failed (failed results, lost leases).
    public var failedAttempts = 0
    /// Results that arrived for a trial already recorded (acknowledged, not written).
    public var duplicates = 0
    /// Results refused (not leased to their sender, or out of bounds); none reached the store.
    public var refusedResults = 0
    /// Leases taken back at their deadline.
    public var revokedLeases = 0
    public var activeWorkers = 0
    public var trialsInFlight = 0
    public var droppedMessages = 0
    /// Times the coordinator noticed it had been paused (and re-armed its deadlines).
    public var pauses = 0

    /// Trials of the sweep that ended failed (quarantined now, or kept from earlier runs).
    public var failedTrials: Int { quarantined + keptFailures }
}
