import Training

/// The stable identity of a trial: SHA-256 (hex) of the canonical JSON of its
/// normalized config, seed included. Same config ⇒ same id on any host, any run.
public struct TrialID: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    public static func < (a: TrialID, b: TrialID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { rawValue }
    /// The first 12 hex digits, for logs and listings.
    public var short: String { String(rawValue.prefix(12)) }
}

/// One grid point: a fully resolved config and its id.
public struct Trial: Codable, Sendable, Hashable {
    public var id: TrialID
    public var config: TrialConfig
    /// Name of the sub-sweep that produced it ("" for a spec without named sub-sweeps).
    public var sweep: String

    public init(id: TrialID, config: TrialConfig, sweep: String = "") {
        self.id = id
        self.config = config
        self.sweep = sweep
    }
}

/// Trials that share shapes (width, depth, dim, n, dtype …), so they cost
/// alike and a lease of them keeps a worker's threads evenly busy (each
/// trial still trains as a network of its own).
public struct Shard: Codable, Sendable, Hashable {
    /// Position in the plan's shard order (stable for a given spec).
    public var index: Int
    public var trials: [Trial]

    public init(index: Int, trials: [Trial]) {
        self.index = index
        self.trials = trials
    }
}
