/// How a plan cuts trials into shards. Each knob left nil comes from the
/// spec's `settings:`, else from the default here.
public struct ShardingOptions: Sendable, Equatable {
    /// Target wall time of one shard, seconds (default 5).
    public var targetSeconds: Double?
    /// Assumed throughput of one worker, GFLOP/s (default 10: small float64
    /// networks on one core of this class of machine; see docs/training-core.md).
    public var gflops: Double?
    /// Upper bound on the estimated memory of one shard, bytes (default 1 GiB).
    public var memoryBytes: Double?
    /// At most this many trials in one shard (default 256).
    public var maxTrialsPerShard: Int?

    public init(targetSeconds: Double? = nil, gflops: Double? = nil, memoryBytes: Double? = nil, maxTrialsPerShard: Int? = nil) {
        self.targetSeconds = targetSeconds
        self.gflops = gflops
        self.memoryBytes = memoryBytes
        self.maxTrialsPerShard = maxTrialsPerShard
    }

    public static let defaultTargetSeconds = 5.0
    public static let defaultGflops = 10.0
    public static let defaultMemoryBytes = 1024.0 * 1024 * 1024
    public static let defaultMaxTrialsPerShard = 256

    /// These options with every nil filled from the spec's settings, then the defaults.
    public func resolved(with settings: SpecSettings) -> ShardingOptions {
        ShardingOptions(
            targetSeconds: targetSeconds ?? settings.shardSeconds ?? Self.defaultTargetSeconds,
            gflops: gflops ?? settings.gflops ?? Self.defaultGflops,
            memoryBytes: memoryBytes ?? settings.shardMemoryMB.map { $0 * 1024 * 1024 } ?? Self.defaultMemoryBytes,
            maxTrialsPerShard: maxTrialsPerShard ?? settings.maxShardTrials ?? Self.defaultMaxTrialsPerShard)
    }
}
