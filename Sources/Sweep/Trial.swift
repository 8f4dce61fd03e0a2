import TrialContract

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

extension Trial {
    /// A trial for a config: its normalized form and that form's id.
    public init(config: TrialConfig, sweep: String) {
        let resolved = config.normalized()
        self.init(id: TrialID(normalized: resolved), config: resolved, sweep: sweep)
    }
}
