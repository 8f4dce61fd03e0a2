import Foundation

/// Tunables of a worker.
public struct WorkerOptions: Sendable {
    public var name: String
    public var host: String
    /// Shards run at once (one thread each).
    public var jobs: Int = 1
    /// BLAS threads per job.
    public var threadsPerJob: Int = 1
    /// Leases asked for beyond `jobs`, so the next shard is at hand when one ends.
    public var prefetch: Int = 1
    /// Keep serving (and reconnecting) after the coordinator says the sweep is done.
    public var stay = false
    /// Heartbeat rules until the coordinator's welcome states its own.
    public var heartbeatInterval: Double = 1
    public var liveness: Int = 5
    /// Reconnection backoff: starts at `initialBackoff`, doubles, capped.
    public var initialBackoff: Double = 0.5
    public var maxBackoff: Double = 16
    /// Exit when no coordinator has answered for this many seconds (nil: never).
    /// A worker that missed the `done` of a finished sweep, or whose
    /// coordinator died for good, stops instead of holding a cluster
    /// allocation forever. Ignored with `stay`.
    public var giveUpAfter: Double? = 900
    /// Seconds to wait for acknowledgements after a SIGTERM before exiting.
    public var ackGrace: Double = 3
    public var build: String = "dev"
    /// The BLAS kernels this worker's trials use (told to the coordinator).
    public var blas: String?

    public init(name: String, host: String) {
        self.name = name
        self.host = host
    }
}

/// How a worker run ended.
public enum WorkerOutcome: Sendable, Equatable {
    /// The coordinator said every trial is recorded.
    case done
    /// Stopped by a signal after handing back its leases.
    case interrupted(signal: Int32)
    /// No coordinator answered for `giveUpAfter` seconds.
    case gaveUp(silentSeconds: Double)
    /// The coordinator refused this worker (quarantined, incompatible …).
    case refused(String)
}
