import Foundation
import TrialContract

/// The protocol version this build speaks (docs/protocol.md). Bump on any
/// incompatible change to a header or body.
public let wireProtocolVersion: UInt16 = 1

/// What a message is; the byte in the header frame.
public enum MessageKind: UInt8, Sendable, CaseIterable {
    case hello = 1, welcome, ready, lease, result, ack, heartbeat, bye, done, reject
}

/// Worker → coordinator, first message on every (re)connection.
public struct Hello: Codable, Sendable, Equatable {
    public var name: String
    public var host: String
    public var cores: Int
    /// Shards the worker runs at once.
    public var jobs: Int
    public var protocolVersion: Int
    public var build: String
    public var pid: Int32
    /// The BLAS kernels the worker's trials run on (OpenBLAS core name, e.g.
    /// "Haswell"). Optional: absent from older workers. Different kernels give
    /// results that differ in the last bits, so the coordinator warns.
    public var blas: String?
    /// Trials of one lease trained at once (BLAS threads per job). Optional:
    /// absent from older workers, meaning 1. With `jobs` it tells the
    /// coordinator which trials a lost worker could have been running.
    public var threads: Int?

    public init(name: String, host: String, cores: Int, jobs: Int, protocolVersion: Int = Int(wireProtocolVersion),
                build: String, pid: Int32, blas: String? = nil, threads: Int? = nil) {
        self.name = name; self.host = host; self.cores = cores; self.jobs = jobs
        self.protocolVersion = protocolVersion; self.build = build; self.pid = pid; self.blas = blas
        self.threads = threads
    }
}

/// Coordinator → worker, answer to hello: the liveness rules of this link.
public struct Welcome: Codable, Sendable, Equatable {
    public var heartbeatInterval: Double
    public var liveness: Int
    public var totalTrials: Int
    /// The largest message the coordinator accepts, in bytes (optional: absent
    /// from older coordinators). The worker splits its result batches below it.
    public var maxMessageSize: Int?
    public init(heartbeatInterval: Double, liveness: Int, totalTrials: Int, maxMessageSize: Int? = nil) {
        self.heartbeatInterval = heartbeatInterval; self.liveness = liveness; self.totalTrials = totalTrials
        self.maxMessageSize = maxMessageSize
    }
}

/// Worker → coordinator, in `ready` and in every worker heartbeat: what the
/// worker holds. The coordinator derives the credit (capacity − leases held)
/// from it and notices leases lost on the wire (docs/protocol.md).
public struct WorkerStatus: Codable, Sendable, Equatable {
    /// Leases the worker wants to hold at once (jobs + prefetch).
    public var capacity: Int
    /// Lease ids it holds (running or queued).
    public var held: [UInt64]
    /// The highest lease id it has received from this coordinator incarnation (0: none).
    public var lastLease: UInt64
    public init(capacity: Int, held: [UInt64], lastLease: UInt64) {
        self.capacity = capacity; self.held = held; self.lastLease = lastLease
    }
}

/// One trial inside a lease.
public struct LeasedTrial: Codable, Sendable, Equatable {
    public var id: TrialID
    public var sweep: String
    /// 1 on the first lease of this trial, +1 on each re-lease.
    public var attempt: Int
    public var config: TrialConfig
    public init(id: TrialID, sweep: String = "", attempt: Int, config: TrialConfig) {
        self.id = id; self.sweep = sweep; self.attempt = attempt; self.config = config
    }
}

/// Coordinator → worker: a shard to run. The lease stays valid while the
/// worker keeps talking (any message renews it) and until its deadline (from
/// the plan's cost estimate); `expiresIn` seconds of silence, or the
/// deadline, end it and its unfinished trials go to other workers.
public struct Lease: Codable, Sendable, Equatable {
    public var leaseID: UInt64
    public var expiresIn: Double
    public var trials: [LeasedTrial]
    public init(leaseID: UInt64, expiresIn: Double, trials: [LeasedTrial]) {
        self.leaseID = leaseID; self.expiresIn = expiresIn; self.trials = trials
    }
}

/// One finished trial. A resent result carries its config, so that a
/// coordinator that restarted (and no longer knows the lease) can still
/// record it; a first send leaves it out (the lease has it).
public struct TrialResultReport: Codable, Sendable, Equatable {
    public var leaseID: UInt64
    public var trialID: TrialID
    public var sweep: String
    public var attempt: Int
    public var config: TrialConfig?
    public var result: TrainingResult
    public var startedAt: Date
    public var endedAt: Date
    public init(leaseID: UInt64, trialID: TrialID, sweep: String = "", attempt: Int, config: TrialConfig?,
                result: TrainingResult, startedAt: Date, endedAt: Date) {
        self.leaseID = leaseID; self.trialID = trialID; self.sweep = sweep; self.attempt = attempt
        self.config = config; self.result = result; self.startedAt = startedAt; self.endedAt = endedAt
    }
}

/// Worker → coordinator: finished trials, sent as each finishes (several
/// only when they finished together).
public struct Results: Codable, Sendable, Equatable {
    public var reports: [TrialResultReport]
    public init(reports: [TrialResultReport]) { self.reports = reports }
}

/// Coordinator → worker: these results are durable; forget them.
public struct Ack: Codable, Sendable, Equatable {
    public var trials: [TrialID]
    public init(trials: [TrialID]) { self.trials = trials }
}

/// Worker → coordinator: leaving. `returnedLeases` are handed back unfinished
/// (their remaining trials are re-leased without counting a failed attempt).
public struct Bye: Codable, Sendable, Equatable {
    public var reason: String
    public var returnedLeases: [UInt64]
    public init(reason: String, returnedLeases: [UInt64]) { self.reason = reason; self.returnedLeases = returnedLeases }
}

/// Coordinator → worker: every trial is recorded.
public struct Done: Codable, Sendable, Equatable {
    public var recorded: Int
    public var quarantined: Int
    public init(recorded: Int, quarantined: Int) { self.recorded = recorded; self.quarantined = quarantined }
}

/// Coordinator → worker: the last message was refused. With `rehello` the
/// worker should introduce itself again (the coordinator restarted and does
/// not know it); otherwise it gets no work (wrong sweep, quarantined …).
public struct Reject: Codable, Sendable, Equatable {
    public var reason: String
    public var rehello: Bool
    public init(reason: String, rehello: Bool) { self.reason = reason; self.rehello = rehello }
}

/// A decoded protocol message.
public enum Message: Sendable, Equatable {
    case hello(Hello)
    case welcome(Welcome)
    case ready(WorkerStatus)
    case lease(Lease)
    case result(Results)
    case ack(Ack)
    /// Worker heartbeats carry a status; the coordinator's carry none.
    case heartbeat(WorkerStatus?)
    case bye(Bye)
    case done(Done)
    case reject(Reject)

    public var kind: MessageKind {
        switch self {
        case .hello: .hello
        case .welcome: .welcome
        case .ready: .ready
        case .lease: .lease
        case .result: .result
        case .ack: .ack
        case .heartbeat: .heartbeat
        case .bye: .bye
        case .done: .done
        case .reject: .reject
        }
    }
}

/// A message with the tags every message carries.
public struct Envelope: Sendable, Equatable {
    public var version: UInt16
    /// The sweep this message belongs to ("" from a worker that has not been welcomed yet).
    public var sweepID: String
    /// Random per coordinator process start; a change tells workers the coordinator restarted.
    public var incarnation: UInt64
    public var message: Message

    public init(version: UInt16 = wireProtocolVersion, sweepID: String, incarnation: UInt64, message: Message) {
        self.version = version; self.sweepID = sweepID; self.incarnation = incarnation; self.message = message
    }
}
