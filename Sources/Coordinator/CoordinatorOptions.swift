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

    public init(sweepID: String, incarnation: UInt64 = UInt64.random(in: 1...UInt64.max)) {
        self.sweepID = sweepID
        self.incarnation = incarnation
    }

    /// Seconds of silence after which a worker is presumed gone.
    public var expiry: Double { heartbeatInterval * Double(liveness) }
}

/// Counters for the progress line and the final summary.
public struct CoordinatorStats: Sendable, Equatable {
    public var total = 0
    /// Trials recorded (ok, diverged, failed or quarantined), earlier runs included.
    public var recorded = 0
    /// Recorded by this run.
    public var recordedThisRun = 0
    public var quarantined = 0
    /// Attempts that failed (failed results, lost leases).
    public var failedAttempts = 0
    /// Results that arrived for a trial already recorded (acknowledged, not written).
    public var duplicates = 0
    public var activeWorkers = 0
    public var trialsInFlight = 0
    public var droppedMessages = 0
}
