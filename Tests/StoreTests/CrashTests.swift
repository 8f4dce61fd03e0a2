import Foundation
import Sweep
import TestSupport
import Testing
import TrialContract
@testable import Store

@Suite struct CrashTests {
    /// A real writer process is SIGKILLed at random moments, 30 times over one
    /// file. Every id it reported durable must be in the file, and the file
    /// must always read (only a torn tail may be unreadable) and reopen.
    @Test func sigkillNeverLosesAnAcknowledgedTrial() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("killed.jsonl").path
        var rng = SplitMix(seed: UInt64(UInt32(truncatingIfNeeded: getpid())))
        var acknowledged = Set<String>()
        var killedWhileWriting = 0
        var tornTails = 0
        for round in 0..<30 {
            let p = Process()
            p.executableURL = OversweepBinary.url
            p.arguments = ["store-tool", "append-synthetic", path, "--prefix", "r\(round)",
                           "--batch", "\(Int.random(in: 1...200, using: &rng))", "--sync-interval", "0.005"]
                + (round % 2 == 0 ? ["--slow-writes"] : [])
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(UInt32.random(in: 30_000...400_000, using: &rng))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            // Only whole lines count: a cut-off "durable r3-1" is not an acknowledgement.
            for line in printed.split(separator: "\n", omittingEmptySubsequences: false).dropLast() where line.hasPrefix("durable ") {
                acknowledged.insert(String(line.dropFirst(8)))
            }
            if p.terminationReason == .uncaughtSignal { killedWhileWriting += 1 }

            guard FileManager.default.fileExists(atPath: path) else { continue }
            let read = try ResultFile.read(path: path)
            let ids = Set(read.records.map(\.id.rawValue))
            #expect(acknowledged.isSubset(of: ids), "round \(round): lost \(acknowledged.subtracting(ids).sorted().prefix(5))")
            // A kill can only cut the last line short: at most one torn line, nothing else unreadable.
            #expect(read.problems.count <= 1 && read.problems.allSatisfy { $0.kind == .torn },
                    "round \(round): \(read.problems)")
            tornTails += read.problems.count
        }
        #expect(killedWhileWriting > 20)
        #expect(!acknowledged.isEmpty)
        #expect(tornTails > 0, "the kills should tear a line now and then (slow-write rounds)")
        print("SIGKILL test: \(acknowledged.count) acknowledged trials kept over 30 kills; \(tornTails) torn tails seen and set aside")
        let store = try ResultStore.open(path: path, creating: SyntheticRecords.header())
        #expect(store.recoveryReport.skipped.isEmpty)
        #expect(Set(acknowledged.map { TrialID(rawValue: $0) }).isSubset(of: store.finishedIDs))
        try store.close()
        let clean = try ResultFile.read(path: path)
        #expect(clean.problems.isEmpty)
    }
}
