import Foundation
import TestSupport
import Testing
import TrialContract

@Suite struct TrainCommandTests {
    @Test func badConfigGetsOneLineAndNonZeroExit() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("bad.json").path
        try #"{"data":"sphere_teacher","width":64,"depth":2,"activation":"gelu","loss":"logistic","lr":0.1,"steps":10}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let r = try OversweepBinary.run(["train", path])
        #expect(r.status != 0)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(r.stderr.contains("activation") && r.stderr.contains(path))

        let missing = try OversweepBinary.run(["train", dir.appendingPathComponent("nope.json").path])
        #expect(missing.status != 0 && missing.stderr.contains("cannot read"))
    }
}
