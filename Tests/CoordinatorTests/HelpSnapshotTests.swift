import Foundation
import Testing
import TrialContract

/// The command-line interface as users see it: a changed flag is a visible diff here.
@Suite struct HelpSnapshotTests {
    static let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    @Test(arguments: ["coordinator", "worker", "run", "keygen"])
    func helpMatchesSnapshot(_ command: String) async throws {
        let s = try Scratch()
        defer { s.cleanup() }
        let c = try Child([command, "--help"], log: s.path("help.txt"))
        #expect(await c.wait(20) == 0)
        let expected = try String(contentsOf: Self.snapshots.appendingPathComponent("\(command)-help.txt"), encoding: .utf8)
        #expect(c.log == expected, "regenerate with: .build/debug/oversweep \(command) --help > Tests/CoordinatorTests/Snapshots/\(command)-help.txt")
    }
}
