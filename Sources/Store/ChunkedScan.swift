import Dispatch
import Foundation
import Synchronization
import TrialContract

/// Runs `count` independent jobs on up to `threads` threads and returns
/// their results in job order: who ran a job never shows in the result.
public enum OrderedJobs {
    public static func run<T: Sendable, E: Error>(_ count: Int, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                                                  _ job: @Sendable (Int) throws(E) -> T) throws(E) -> [T] {
        if count <= 1 || threads <= 1 {
            var out: [T] = []
            for i in 0..<max(count, 0) { out.append(try job(i)) }
            return out
        }
        let results = Mutex<[Int: Result<T, E>]>([:])
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: min(threads, count)) { _ in
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                guard i < count else { return }
                let r: Result<T, E>
                do throws(E) { r = .success(try job(i)) } catch { r = .failure(error) }
                results.withLock { $0[i] = r }
            }
        }
        let all = results.withLock { $0 }
        var out: [T] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            switch all[i] {
            case .success(let v)?: out.append(v)
            case .failure(let e)?: throw e
            case nil: preconditionFailure("job \(i) did not run")
            }
        }
        return out
    }
}

extension OrderedJobs {
    /// `items.map(transform)` on every core, in item order; fewer than
    /// `minimum` items on the calling thread.
    public static func map<T: Sendable, U: Sendable>(_ items: [T], minimum: Int = 256, _ transform: @escaping @Sendable (T) -> U) -> [U] {
        guard items.count >= minimum else { return items.map(transform) }
        let parts = min(items.count / 64, 64)
        let slices: [[U]] = run(parts) { k in items[items.count * k / parts..<items.count * (k + 1) / parts].map(transform) }
        return Array(slices.joined())
    }
}

extension LogScan {
    /// Threads that read a file's pieces: the cores, or `OVERSWEEP_READ_THREADS`
    /// (benchmarks compare with 1). `OVERSWEEP_READ_PIECES` fixes how many
    /// pieces a file is cut into (tests cut small files). What is read never
    /// depends on either.
    static let readThreads = environmentCount("OVERSWEEP_READ_THREADS") ?? ProcessInfo.processInfo.activeProcessorCount
    static let readPieces = environmentCount("OVERSWEEP_READ_PIECES")

    private static func environmentCount(_ name: String) -> Int? {
        guard let text = ProcessInfo.processInfo.environment[name], let n = Int(text), n >= 1 else { return nil }
        return n
    }

    /// Below this many bytes after the header a file is read as one piece.
    static let piecewiseMinimumBytes: UInt64 = 32 << 20

    /// `run` on several threads. The file after its first line is cut at
    /// line starts into `pieces` (by default a few per core, none for a small
    /// file); each piece is read by one thread, which hands its trial lines,
    /// in file order, to `onTrial` with the piece's own `Partial` (made by
    /// `start`). Returns the scan — identical to `run`'s whatever the pieces,
    /// line numbers included — and the partials in file order, the first
    /// being the first line's (which is a trial only in a file without a
    /// header, read with `acceptEdited`). A log other than a file is read by `run`.
    static func runChunked<Partial: Sendable>(_ log: any LineLog, path: String, options: ReadOptions = .strict, pieces: Int? = nil,
                                              start: @Sendable () -> Partial,
                                              onTrial: @Sendable (inout Partial, LogLine) -> TrialVerdict) throws -> (LogScan, [Partial]) {
        guard let file = log as? FileLineLog else {
            var partial = start()
            let scan = try run(log, path: path, options: options) { onTrial(&partial, $0) }
            return (scan, [partial])
        }
        // The first line alone: the header (or, headerless, a trial).
        var first = start()
        var reading = Reading(path: path, options: options)
        try file.read(from: 0, firstLine: 1, before: 1) { line in try reading.take(line) { onTrial(&first, $0) } }
        var scan = try reading.finish()

        let bounds = try pieceBounds(file, from: scan.end, pieces: pieces ?? readPieces)
        let blank = { () -> LogScan in
            var s = LogScan(header: scan.header)
            s.headerless = scan.headerless
            return s
        }()
        let parts = try OrderedJobs.run(bounds.count - 1, threads: readThreads) { k -> (LogScan, lines: Int, Partial) in
            var partial = start()
            var reading = Reading(path: path, options: options, continuing: blank)
            var lines = 0
            // An empty piece (its cut fell inside a line that runs past the next cut, or to the end).
            guard bounds[k] < bounds[k + 1] && bounds[k] != .max else { return (blank, 0, partial) }
            // Numbered from 1 within the piece; renumbered below.
            try file.read(from: bounds[k], firstLine: 1, before: bounds[k + 1]) { line in
                lines += 1
                try reading.take(line) { onTrial(&partial, $0) }
            }
            return (reading.scan ?? blank, lines, partial)
        }
        var nextLine = 2
        var partials = [first]
        for (piece, lines, partial) in parts {
            let shift = nextLine - 1
            scan.problems += piece.problems.map { var p = $0; p.line += shift; return p }
            scan.revisions += piece.revisions.map { var r = $0; r.line += shift; return r }
            scan.unverified += piece.unverified
            if piece.lastGoodLine > 0 {
                scan.lastGoodEnd = piece.lastGoodEnd
                scan.lastGoodLine = piece.lastGoodLine + shift
                scan.lastGoodUnterminated = piece.lastGoodUnterminated
            }
            if lines > 0 { scan.end = piece.end }
            nextLine += lines
            partials.append(partial)
        }
        return (scan, partials)
    }

    /// Offsets where the pieces start, and `UInt64.max` after the last (which
    /// reads to the end, however far the file has grown). Each cut is moved
    /// to the start of the next line; a piece may come out empty.
    static func pieceBounds(_ file: FileLineLog, from start: UInt64, pieces: Int?) throws -> [UInt64] {
        let size = file.size
        let bytes = size > start ? size - start : 0
        let count = max(1, pieces ?? (bytes < piecewiseMinimumBytes ? 1 : min(Int(bytes / (8 << 20)), 4 * ProcessInfo.processInfo.activeProcessorCount)))
        var bounds = [start]
        for k in 1..<max(count, 1) where count > 1 {
            let cut = start + bytes * UInt64(k) / UInt64(count)
            bounds.append(max(bounds[bounds.count - 1], try lineStart(file, atOrAfter: cut, notBefore: start)))
        }
        bounds.append(.max)
        return bounds
    }

    /// The first line start at or after `offset` (`UInt64.max` when the line
    /// holding `offset` runs to the end of the file).
    static func lineStart(_ file: FileLineLog, atOrAfter offset: UInt64, notBefore start: UInt64) throws -> UInt64 {
        guard offset > start else { return start }
        var at = offset - 1  // a newline just before `offset` makes it a line start
        while true {
            let block = try file.bytes(at: at, count: 64 << 10)
            if let i = block.firstIndex(of: 0x0A) { return at + UInt64(i) + 1 }
            guard block.count == 64 << 10 else { return .max }
            at += UInt64(block.count)
        }
    }
}

/// What a resume learns from a file without decoding its records: the
/// recorded trial ids, and the trials whose last record is `failed` (with
/// that record's attempt), which a resume runs again.
struct RecordedTrials: Sendable {
    var ids = Set<TrialID>()
    var failed: [TrialID: Int] = [:]

    /// One piece's trial lines in file order: each id, and what its line
    /// says of failure (nil: nothing known; -1: not failed; else the attempt).
    struct Piece: Sendable {
        var ids: [TrialID] = []
        var failure: [Int?] = []
    }

    /// Reads the file at resume speed: each line's checksum is verified and
    /// its id taken from the fixed prefix; a line in any other shape, or one
    /// whose status is `failed`, is decoded in full.
    static func read(_ log: any LineLog, path: String, options: ReadOptions = .strict, pieces: Int? = nil) throws -> (LogScan, RecordedTrials) {
        let (scan, parts) = try LogScan.runChunked(log, path: path, options: options, pieces: pieces, start: { Piece() }) { piece, line in
            guard let id = LogScan.trialID(line) else { return .undecodable("no trial id") }
            piece.ids.append(id)
            if let status = ResultStore.fastStatus(line.bytes), status != TrialStatus.failed.rawValue {
                piece.failure.append(-1)
            } else if let record = try? LineCodec.decodeRecord(line.bytes) {
                piece.failure.append(record.result.status == .failed ? record.attempt : -1)
            } else {
                piece.failure.append(nil)
            }
            return .accepted
        }
        var out = RecordedTrials()
        out.ids.reserveCapacity(parts.reduce(0) { $0 + $1.ids.count })
        for piece in parts {
            for (id, failure) in zip(piece.ids, piece.failure) {
                out.ids.insert(id)
                if let failure { out.failed[id] = failure < 0 ? nil : failure }
            }
        }
        return (scan, out)
    }
}
