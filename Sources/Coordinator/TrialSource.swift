import Foundation
import Sweep
import Training

/// Where the coordinator gets trials from: the sweep's shards, in order,
/// produced lazily so a million-trial sweep is never held in memory at once.
///
/// Implementations guarantee: every trial of the sweep appears in exactly one
/// shard; trials in one shard share shapes (they may be leased together);
/// `nextShard` returns nil once every shard has been handed out. Re-leasing
/// unfinished trials is the coordinator's job, not the source's; it also
/// skips trials the result sink already holds.
public protocol TrialSource: AnyObject {
    /// Trials in the whole sweep, recorded or not.
    var totalTrials: Int { get }
    func nextShard() throws -> [Trial]?
}

/// A source over trials held in memory, cut into shards of `shardSize`.
public final class MemoryTrialSource: TrialSource {
    private let trials: [Trial]
    private let shardSize: Int
    private var position = 0

    public init(_ trials: [Trial], shardSize: Int = 64) {
        self.trials = trials
        self.shardSize = max(1, shardSize)
    }

    public var totalTrials: Int { trials.count }

    public func nextShard() throws -> [Trial]? {
        guard position < trials.count else { return nil }
        let end = min(trials.count, position + shardSize)
        defer { position = end }
        return Array(trials[position..<end])
    }
}

/// A source generated on demand: trial `i` of `count` comes from `make(i)`.
/// Used by benchmarks of million-trial sweeps (nothing is materialised).
public final class GeneratedTrialSource: TrialSource {
    public let totalTrials: Int
    private let shardSize: Int
    private let make: (Int) -> Trial
    private var position = 0

    public init(count: Int, shardSize: Int, make: @escaping (Int) -> Trial) {
        self.totalTrials = count
        self.shardSize = max(1, shardSize)
        self.make = make
    }

    public func nextShard() throws -> [Trial]? {
        guard position < totalTrials else { return nil }
        let end = min(totalTrials, position + shardSize)
        defer { position = end }
        return (position..<end).map(make)
    }
}

/// A JSON-lines file with one `Trial` per line (`{"id":…, "config":{…}, "sweep":…}`).
/// Stand-in until the Sweep module's spec expansion is wired in.
public enum TrialListFile {
    public static func read(_ path: String) throws -> [Trial] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CoordinatorError("cannot read trial list \(path)")
        }
        let decoder = JSONDecoder()
        var trials: [Trial] = []
        var seen = Set<TrialID>()
        for (n, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() where !line.isEmpty {
            do {
                let t = try decoder.decode(Trial.self, from: Data(line))
                if seen.insert(t.id).inserted { trials.append(t) }
            } catch {
                throw CoordinatorError("\(path):\(n + 1): not a trial: \(error)")
            }
        }
        return trials
    }
}
