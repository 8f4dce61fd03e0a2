import Foundation
import TestSupport
import Testing
import TrialContract

/// The trial lines of a result file, as plain JSON objects.
func trialLines(_ path: String) throws -> [[String: Any]] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap {
        try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }.filter { $0["kind"] as? String == "trial" }
}

/// A trial list (`.jsonl`) as the sweep: the tool computes every trial's id
/// from its config, checks an id a line supplies, runs a repeated config once,
/// and hashes the list by its trials, so the file's layout does not matter.
@Suite struct TrialListTests {
    static let small = #"{"data":"sphere_teacher","dim":4,"n_train":8,"n_test":4,"width":8,"depth":1,"activation":"relu","loss":"logistic","lr":0.1,"steps":3}"#
    static let wide = small.replacingOccurrences(of: #""width":8"#, with: #""width":16"#)

    static func id(_ config: String) throws -> TrialID {
        TrialID(config: try JSONDecoder().decode(TrialConfig.self, from: Data(config.utf8)))
    }

    @Test func idsAreComputedFromConfigsAndRepeatsRunOnce() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A bare config, the long form with a sweep name, the first config again
        // respelled (reordered keys, 0.10), and a line with its correct id.
        let respelled = #"{"steps":3,"lr":0.10,"loss":"logistic","activation":"relu","depth":1,"width":8,"n_test":4,"n_train":8,"dim":4,"data":"sphere_teacher"}"#
        let seeded = Self.small.replacingOccurrences(of: #""steps":3"#, with: #""steps":3,"seed":7"#)
        let list = [Self.small, #"{"sweep":"wide","config":\#(Self.wide)}"#, "", respelled,
                    #"{"id":"\#(try Self.id(seeded).rawValue)","config":\#(seeded)}"#].joined(separator: "\n") + "\n"
        let path = dir.appendingPathComponent("list.jsonl").path
        try list.write(toFile: path, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out.jsonl").path
        let run = try OversweepBinary.run(["run", path, "--out", out, "--workers", "1", "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let recorded = try trialLines(out)
        let ids = Set(recorded.compactMap { $0["id"] as? String })
        #expect(recorded.count == 3)
        #expect(ids == Set(try [Self.small, Self.wide, seeded].map { try Self.id($0).rawValue }))
        #expect(recorded.contains { $0["sweep"] as? String == "wide" && $0["id"] as? String == (try? Self.id(Self.wide).rawValue) })

        // Another layout of the same trials is the same sweep: resume accepts it and has nothing to run.
        let reordered = dir.appendingPathComponent("list.jsonl").path
        try [seeded, Self.wide, Self.small].joined(separator: "\n").write(toFile: reordered, atomically: true, encoding: .utf8)
        let resumed = try OversweepBinary.run(["run", reordered, "--out", out, "--workers", "1", "--resume", "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try trialLines(out).count == 3)
    }

    @Test func aSuppliedIdMustBeTheConfigsId() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("list.jsonl").path
        let out = dir.appendingPathComponent("out.jsonl").path
        let cases: [(String, [String])] = [
            (#"{"id":"t1","config":\#(Self.small)}"#, [":2:", "id t1 is not this config's id (\(try Self.id(Self.small).short))", "leave `id` out"]),
            (#"{"config":\#(Self.small),"seed":3}"#, [":2:", "unknown member 'seed'"]),
            (#"{"widht":8}"#, [":2:", "widht"]),
            ("[1, 2]", [":2:", "not a trial"]),
        ]
        for (line, fragments) in cases {
            try (Self.small + "\n" + line + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            let r = try OversweepBinary.run(["run", path, "--out", out, "--workers", "1"])
            #expect(r.status != 0)
            let errors = r.stderr.split(separator: "\n")
            #expect(errors.count == 1 && errors.first?.hasPrefix("Error: \(path)") == true, "\(r.stderr)")
            for f in fragments { #expect(r.stderr.contains(f), "\(f) not in \(r.stderr)") }
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }
}
