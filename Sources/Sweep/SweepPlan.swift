import Foundation
import TrialContract

/// The trials of a spec in a fixed order, and their shards, computed lazily:
/// a trial is decoded from its index (mixed radix over its block's axes, shape
/// axes outermost so neighbours share shapes), and a shard is a contiguous
/// range of indices. Building a plan checks every grid point against
/// `TrialConfig.validate()` (sizes included) and removes duplicates between blocks, but keeps
/// only O(blocks + shards) in memory. The same spec gives the same order,
/// ids and shards in every process.
public struct SweepPlan: Sendable {
    public let spec: SweepSpec
    /// The sharding knobs in force (spec settings and defaults filled in).
    public let options: ShardingOptions
    /// Trials in the plan (grid points minus duplicates).
    public var trialCount: Int { rawCount - skipped.count }
    public var shardCount: Int { shardBounds.count - 1 }
    /// Grid points dropped because an earlier block or sub-sweep has the same trial.
    public var duplicateCount: Int { skipped.count }
    /// Estimated FLOPs of all trials (see `TrialCost`).
    public let totalFlops: Double
    /// `totalFlops` at the assumed throughput, summed over trials (divide by the number of workers).
    public var estimatedSeconds: Double { totalFlops / ((options.gflops ?? ShardingOptions.defaultGflops) * 1e9) }
    /// Axes per sub-sweep, with their values.
    public var axes: [AxisSummary] { spec.summaries }

    let blockStarts: [Int]
    let rawCount: Int
    /// Sorted raw indices that are duplicates of earlier points.
    let skipped: [Int]
    /// Plan-index boundaries: shard k is shardBounds[k]..<shardBounds[k+1].
    let shardBounds: [Int]

    public init(spec: SweepSpec, options: ShardingOptions = .init()) throws {
        self.spec = spec
        let options = options.resolved(with: spec.settings)
        self.options = options
        var starts: [Int] = []
        var total = 0
        for block in spec.blocks {
            starts.append(total)
            total += block.count
        }
        blockStarts = starts
        rawCount = total
        for (b, block) in spec.blocks.enumerated() { try Self.validateEveryPoint(block, start: starts[b], spec: spec) }
        skipped = Self.duplicates(spec.blocks, starts: starts)
        (shardBounds, totalFlops) = try Self.shards(spec: spec, starts: starts, skipped: skipped, options: options)
    }

    /// Trials per sub-sweep, in plan order (a shared point counts for the first sub-sweep that has it).
    public var trialsPerSweep: [(sweep: String, count: Int)] {
        var out: [(sweep: String, count: Int)] = []
        for (b, block) in spec.blocks.enumerated() {
            let start = blockStarts[b]
            let kept = block.count - (Self.upperBound(skipped, start + block.count - 1) - Self.upperBound(skipped, start - 1))
            if let last = out.last, last.sweep == block.sweep {
                out[out.count - 1].count += kept
            } else {
                out.append((block.sweep, kept))
            }
        }
        return out
    }

    // MARK: Trials

    /// The trial at a plan index in 0..<trialCount.
    public func trial(at index: Int) -> Trial {
        let (block, local) = locate(index)
        return Trial(config: spec.resolvingData(block.config(digits: block.digits(of: local))), sweep: block.sweep)
    }

    /// The axis values that make the trial at `index` (field, value as written), in plan order.
    public func axisValues(at index: Int) -> [(field: String, value: String)] {
        let (block, local) = locate(index)
        return block.assignment(digits: block.digits(of: local)).map { ($0.field, $0.value.display) }
    }

    /// All trials in plan order, made one at a time.
    public func trials() -> some Sequence<Trial> {
        (0..<trialCount).lazy.map { trial(at: $0) }
    }

    // MARK: Shards

    /// The plan indices of shard `index`'s trials (contiguous).
    public func shardRange(at index: Int) -> Range<Int> { shardBounds[index]..<shardBounds[index + 1] }

    public func shard(at index: Int) -> Shard {
        Shard(index: index, trials: shardRange(at: index).map { trial(at: $0) })
    }

    /// The shard holding the trial at a plan index.
    public func shardIndex(ofTrial index: Int) -> Int { Self.upperBound(shardBounds, index) - 1 }

    // MARK: Index arithmetic

    func rawIndex(_ index: Int) -> Int {
        // Smallest raw r with r − (skips ≤ r) == index and r not skipped.
        var raw = index
        while true {
            let next = index + Self.upperBound(skipped, raw)
            if next == raw { return raw }
            raw = next
        }
    }

    func locate(_ index: Int) -> (Block, Int) {
        let raw = rawIndex(index)
        let b = Self.upperBound(blockStarts, raw) - 1
        return (spec.blocks[b], raw - blockStarts[b])
    }

    /// Number of elements ≤ x in a sorted array.
    static func upperBound(_ sorted: [Int], _ x: Int) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] <= x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    // MARK: Building

    /// Walks every point of a block (odometer, copying only the factors that
    /// changed) and runs the core's own validation on it.
    static func validateEveryPoint(_ block: Block, start: Int, spec: SweepSpec) throws {
        var digits = Array(repeating: 0, count: block.factors.count)
        var config = block.config(digits: digits)
        var checkedData = Set<String>()
        for local in 0..<block.count {
            if local > 0 {
                var k = block.factors.count - 1
                while k >= 0 {
                    digits[k] += 1
                    if digits[k] < block.factors[k].points.count { break }
                    digits[k] = 0
                    k -= 1
                }
                for changed in max(k, 0)..<block.factors.count {
                    let point = block.factors[changed].points[digits[changed]].config
                    for field in block.factors[changed].fields { config.copy(field, from: point) }
                }
            }
            try spec.checkData(config, point: {
                let values = block.assignment(digits: digits).map { "\($0.field)=\($0.value.display)" }.joined(separator: " ")
                return values.isEmpty ? "" : "grid point \(start + local + 1): \(values)"
            }, checked: &checkedData)
            do {
                try spec.resolvingData(config).validate()
            } catch {
                let message = error.message
                let point = block.assignment(digits: digits).map { "\($0.field)=\($0.value.display)" }.joined(separator: " ")
                let innermost = block.factors.last?.loc ?? block.loc
                let sweep = block.sweep.isEmpty ? "" : "sub-sweep \(block.sweep), "
                throw SweepError(.invalidTrial, file: spec.path, line: innermost.line, path: "",
                                 "\(sweep)grid point \(start + local + 1) (\(point.isEmpty ? "the base config" : point)): \(message)")
            }
        }
    }

    /// Raw indices of points that repeat a trial of an earlier block (same
    /// normalized config). Blocks are compared only when every field that
    /// normalization leaves alone can take a common value in both.
    static func duplicates(_ blocks: [Block], starts: [Int]) -> [Int] {
        guard blocks.count > 1 else { return [] }
        let stable = TrialConfig.Field.allCases.filter { !TrialConfig.rewrittenByNormalization.contains($0) }
        let valueSets: [[TrialConfig.Field: Set<JSONValue>]] = blocks.map { block in
            var sets: [TrialConfig.Field: Set<JSONValue>] = [:]
            for f in stable { sets[f] = [block.base.json(f) ?? .null] }
            for factor in block.factors {
                for f in factor.fields where sets[f] != nil {
                    sets[f] = Set(factor.points.map { $0.config.json(f) ?? .null })
                }
            }
            return sets
        }
        var skipped = Set<Int>()
        var index: [Int: [Int: [Int]]] = [:]  // block → (hash of normalized config → local indices)
        for b in 1..<blocks.count {
            for a in 0..<b where stable.allSatisfy({ !valueSets[a][$0]!.isDisjoint(with: valueSets[b][$0]!) }) {
                if index[a] == nil {
                    var table: [Int: [Int]] = [:]
                    for local in 0..<blocks[a].count {
                        table[blocks[a].config(digits: blocks[a].digits(of: local)).normalized().hashValue, default: []].append(local)
                    }
                    index[a] = table
                }
                for local in 0..<blocks[b].count where !skipped.contains(starts[b] + local) {
                    let normalized = blocks[b].config(digits: blocks[b].digits(of: local)).normalized()
                    guard let candidates = index[a]?[normalized.hashValue] else { continue }
                    if candidates.contains(where: { blocks[a].config(digits: blocks[a].digits(of: $0)).normalized() == normalized }) {
                        skipped.insert(starts[b] + local)
                    }
                }
            }
        }
        return skipped.sorted()
    }

    /// Cuts each run of same-shape trials into shards of about the target
    /// cost, within the memory bound; returns plan-index boundaries and total FLOPs.
    static func shards(spec: SweepSpec, starts: [Int], skipped: [Int], options: ShardingOptions) throws -> ([Int], Double) {
        let targetFlops = (options.targetSeconds ?? ShardingOptions.defaultTargetSeconds) * (options.gflops ?? ShardingOptions.defaultGflops) * 1e9
        let memory = options.memoryBytes ?? ShardingOptions.defaultMemoryBytes
        let maxPerShard = max(1, options.maxTrialsPerShard ?? ShardingOptions.defaultMaxTrialsPerShard)
        var bounds = [0]
        var flops = 0.0
        for (b, block) in spec.blocks.enumerated() {
            let shapeFactors = block.factors.prefix { $0.isShape }.count
            let runLength = shapeFactors == 0 ? block.count : block.strides[shapeFactors - 1]
            for run in 0..<(block.count / runLength) {
                let rawStart = starts[b] + run * runLength
                let rawEnd = rawStart + runLength
                let kept = runLength - (upperBound(skipped, rawEnd - 1) - upperBound(skipped, rawStart - 1))
                if kept == 0 { continue }
                let digits = block.digits(of: run * runLength)
                let config = block.config(digits: digits)
                let cost = TrialCost(config: config, data: spec.dataFacts(config).map { ($0.rows, $0.columns) })
                if cost.bytes > memory {
                    let point = block.assignment(digits: Array(digits.prefix(shapeFactors)))
                        .map { "\($0.field)=\($0.value.display)" }.joined(separator: " ")
                    throw SweepError(.spec, file: spec.path, line: block.loc.line, path: "",
                        "one trial (\(point.isEmpty ? "the base config" : point)) needs about \(Self.mib(cost.bytes)) MiB, more than the shard memory bound of \(Self.mib(memory)) MiB (settings.shard_memory_mb)")
                }
                let byCost = cost.flops > 0 ? Int(min(targetFlops / cost.flops, Double(Int.max / 2))) : maxPerShard
                let byMemory = cost.bytes > 0 ? Int(min(memory / cost.bytes, Double(Int.max / 2))) : maxPerShard
                let perShard = max(1, min(maxPerShard, byCost, byMemory))
                let count = (kept + perShard - 1) / perShard
                // Even sizes (10 trials at ≤4 per shard → 4, 3, 3).
                let planStart = rawStart - upperBound(skipped, rawStart - 1)
                var at = planStart
                for s in 0..<count {
                    at += kept / count + (s < kept % count ? 1 : 0)
                    bounds.append(at)
                }
                flops += cost.flops * Double(kept)
            }
        }
        return (bounds, flops)
    }

    /// Whole MiB for messages; any finite size (never converts a huge Double to Int).
    static func mib(_ bytes: Double) -> String {
        let m = (bytes / 1_048_576).rounded(.up)
        return m < 1e15 ? String(format: "%.0f", m) : String(format: "%.3g", m)
    }
}
