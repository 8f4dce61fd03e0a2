import Foundation
import TestSupport
import Testing
import TrialContract
@testable import Sweep

/// Data files at plan time: content-addressed trial ids, the spec hash, and
/// the refusals that keep a sweep from starting on data a worker cannot use.
@Suite struct DataFileSpecTests {
    static let csv = "a,b,label\n0.5,1,1\n-0.5,2,-1\n1.5,0.25,1\n-2,1,-1\n"

    static func spec(_ dataFile: String = "d.csv", grid: String = "  width: [4, 8]\n  seeds: 2\n", extra: String = "") -> String {
        fileDataSpecYAML(dataFile: dataFile, extraBase: extra, grid: grid)
    }

    /// A directory holding `s.yaml` and `d.csv`; the caller removes it.
    static func directory(csv: String = csv, spec: String = spec()) throws -> URL {
        let dir = try TestFiles.temporaryDirectory("oversweep-data")
        try csv.write(to: dir.appendingPathComponent("d.csv"), atomically: true, encoding: .utf8)
        try spec.write(to: dir.appendingPathComponent("s.yaml"), atomically: true, encoding: .utf8)
        return dir
    }

    static func plan(_ dir: URL, source: DataFileSource = .read) throws -> SweepPlan {
        try SweepPlan(spec: SweepSpec.load(path: dir.appendingPathComponent("s.yaml").path, dataFiles: source))
    }

    @Test func idsFollowTheBytesNotThePath() throws {
        let a = try Self.directory(), b = try Self.directory()
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        let pa = try Self.plan(a), pb = try Self.plan(b)
        // Same bytes in another place: the same trials (ids and spec hash), each recording its own path.
        #expect(pa.trials().map(\.id) == pb.trials().map(\.id) && pa.spec.hash == pb.spec.hash)
        #expect(pa.trial(at: 0).config.dataFile == a.appendingPathComponent("d.csv").standardizedFileURL.path)
        #expect(pb.trial(at: 0).config.dataFile == b.appendingPathComponent("d.csv").standardizedFileURL.path)
        #expect(pa.trial(at: 0).config.dataDigest == pa.spec.dataFiles.first?.sha256)
        // One byte changed: every trial and the spec hash change.
        try Self.csv.replacingOccurrences(of: "0.25", with: "0.26").write(to: b.appendingPathComponent("d.csv"), atomically: true, encoding: .utf8)
        let changed = try Self.plan(b)
        #expect(Set(changed.trials().map(\.id)).isDisjoint(with: pa.trials().map(\.id)))
        #expect(changed.spec.hash != pa.spec.hash)
        // The spec without data files keeps its definition hash (old result files stay valid).
        let plain = try SweepSpec.parse(yaml: baseYAML + "\ngrid:\n  seeds: 2\n", path: "p.yaml")
        #expect(plain.dataFiles.isEmpty && plain.hash == SweepSpec.hash(plain.blocks))
    }

    @Test func recordedFactsPlanTheSameTrialsWithoutTheFile() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let read = try Self.plan(dir)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("d.csv"))
        let recorded = try Self.plan(dir, source: .recorded(read.spec.dataFiles))
        #expect(recorded.trials().map(\.id) == read.trials().map(\.id) && recorded.spec.hash == read.spec.hash)
        #expect(recorded.totalFlops == read.totalFlops)
        #expect(throws: SweepError.self) { try Self.plan(dir) }
    }

    @Test func refusalsNameTheSpecLineAndTheFile() throws {
        func refusal(csv: String = Self.csv, spec: String, files: [String: String] = [:]) throws -> String {
            let dir = try Self.directory(csv: csv, spec: spec)
            defer { try? FileManager.default.removeItem(at: dir) }
            for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
            do {
                _ = try Self.plan(dir)
                return "planned"
            } catch let e as SweepError {
                #expect(e.code == .dataFile, "\(e)")
                // Paths shown relative to the directory, so the expectations read as the spec does.
                return e.description.replacingOccurrences(of: dir.path + "/", with: "")
            }
        }
        #expect(try refusal(spec: Self.spec("missing.csv")) == "s.yaml:4: base.data_file: missing.csv (missing.csv): no such file")
        #expect(try refusal(csv: "a,label\n1,x\n2,1\n", spec: Self.spec()) == "s.yaml:4: base.data_file: d.csv (d.csv): line 2, column 2: not a number")
        #expect(try refusal(csv: "a,label\n1,1\n", spec: Self.spec()).hasSuffix("need at least 2 rows and 2 columns (features…, label), got 1×2"))
        // Labels are checked against each point's loss; cross_entropy with 2 outputs wants 0/1 classes, -1 is not one.
        let perLoss = Self.spec(grid: "  zip:\n    loss: [logistic, cross_entropy]\n    outputs: [1, 2]\n")
        #expect(try refusal(spec: perLoss) == "s.yaml:4: base.data_file: d.csv (d.csv): row 2, column 3 (label): not a class 0…1 (at grid point 2: loss=cross_entropy outputs=2)")
        // Two files with the same bytes would be the same trials.
        let twice = Self.spec(grid: "  data_file: [d.csv, copy.csv]\n")
        #expect(try refusal(spec: twice, files: ["copy.csv": Self.csv]).contains("copy.csv holds the same bytes as d.csv"))
        // A pinned digest must match.
        let pinned = Self.spec(extra: "  data_digest: \(String(repeating: "ab", count: 32))\n")
        #expect(try refusal(spec: pinned).contains("data_digest abab"))
    }

    @Test func aDataFileOnlyPointsOfAnotherGeneratorNameIsNotRead() throws {
        // data_file in base, but no point uses data: file: nothing to read, nothing refused.
        let spec = Self.spec("missing.csv").replacingOccurrences(of: "  data: file\n", with: "  data: sphere_teacher\n")
        #expect(spec.contains("data: sphere_teacher"))
        let dir = try Self.directory(spec: spec)
        defer { try? FileManager.default.removeItem(at: dir) }
        let plan = try Self.plan(dir)
        #expect(plan.spec.dataFiles.isEmpty && plan.trial(at: 0).config.dataFile == nil)
    }

    @Test func theCostModelUsesTheFilesShape() throws {
        var c = TrialConfig()
        c.data = .file
        c.width = 64
        let defaults = TrialCost(config: c)
        let fromFile = TrialCost(config: c, data: (rows: 1000, columns: 101))
        var generated = c
        generated.data = .sphereTeacher
        (generated.dim, generated.nTrain, generated.nTest) = (100, 800, 200)
        #expect(fromFile == TrialCost(config: generated) && fromFile != defaults)
    }
}
