import Foundation
import TestSupport
import Testing
import Training
import TrialContract

/// `oversweep train CONFIG --export DIR`, through the real binary.
@Suite struct TrainExportTests {
    static let config = #"""
    {"data":"sphere_teacher","dim":5,"n_train":24,"n_test":8,"width":12,"depth":2,"activation":"leaky","alpha":-0.5,
     "residual":true,"theta":0.5,"bias":true,"bias_init_std":0.1,"loss":"logistic","lr":0.2,"steps":3,"seed":11}
    """#

    @Test func exportWritesParsableNPYAndManifest() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("c.json").path
        try Self.config.write(toFile: path, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("export")
        let r = try OversweepBinary.run(["train", path, "--export", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let result = try JSONDecoder().decode(TrainingResult.self, from: Data(r.stdout.utf8))
        #expect(result.status == .ok)

        let manifestData = try Data(contentsOf: out.appendingPathComponent("manifest.json"))
        let manifest = try #require(try JSONSerialization.jsonObject(with: manifestData) as? [String: Any])
        let files = try #require(manifest["files"] as? [String: String])
        let layers = try #require(manifest["layers"] as? [[String: Any]])
        #expect(layers.map { $0["name"] as? String } == ["hidden1", "hidden2", "output"])
        #expect(layers.map { $0["shape"] as? [Int] } == [[12, 5], [12, 12], [1, 12]])
        #expect(layers.map { $0["residual"] as? Bool } == [false, true, false])
        for (name, shape) in [("x_train", [24, 5]), ("y_train", [24]), ("x_test", [8, 5]), ("hidden2_w", [12, 12]), ("hidden1_b", [12])] {
            let file = try #require(files[name])
            let bytes = try [UInt8](Data(contentsOf: out.appendingPathComponent(file)))
            let (s, values) = try NPY.decode(bytes)
            #expect(s == shape, "\(name)")
            #expect(values.count == shape.reduce(1, *) && values.allSatisfy { $0.isFinite })
        }
        let config = try #require(manifest["config"] as? [String: Any])
        #expect(config["width"] as? Int == 12)

        // If numpy is available, recompute the loss at init from the exported files.
        let script = """
            import json, sys, numpy as np
            d = sys.argv[1]; m = json.load(open(d + '/manifest.json'))
            ld = lambda n: np.load(d + '/' + n)
            x, y = ld(m['files']['x_train']), ld(m['files']['y_train'])
            a = m['config']['alpha']; phi = lambda z: np.where(z >= 0, z, a * z)
            h = x
            for L in m['layers'][:-1]:
                z = h @ ld(L['weights']).T + ld(L['bias'])
                h = h + m['config']['theta'] * phi(z) if L['residual'] else phi(z)
            o = m['layers'][-1]
            f = h @ ld(o['weights']).T[:, 0] + ld(o['bias'])[0]
            print(repr(float(np.mean(np.logaddexp(0, -y * f)))))
            """
        guard let python = Subprocess.which("python3") else { return }   // no python3: the Swift-side checks above suffice
        let py = try Subprocess.run(python, ["-c", script, out.path])
        guard py.status == 0, let numpyLoss = Double(py.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            return   // numpy not importable here: skipped
        }
        let swiftLoss = try #require(result.metrics["loss_init"])
        // Same float64 operations up to summation order: agree to ~1e-15 relative.
        #expect(abs(numpyLoss - swiftLoss) <= 1e-12 * swiftLoss)
    }

    @Test func missingDataFileIsOneLineAndNonZeroExit() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("c.json").path
        try #"{"data":"file","data_file":"/nonexistent/x.csv","width":8,"depth":1,"activation":"relu","loss":"logistic","lr":0.1,"steps":2}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let r = try OversweepBinary.run(["train", path])
        #expect(r.status != 0)
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stderr.contains("/nonexistent/x.csv") && r.stderr.contains(path))
    }
}

@Suite struct BenchCommandTests {
    @Test func badFlagsGetOneLineAndNonZeroExit() throws {
        let w = try OversweepBinary.run(["bench", "--workload", "W9"])
        #expect(w.status != 0 && w.stderr.contains("--workload must be W1, W2, W3, W4 or all"))
        let j = try OversweepBinary.run(["bench", "--json"])
        #expect(j.status != 0 && j.stderr.contains("--json runs one workload"))
    }

    @Test func exportWritesEveryNetworkOfAWorkload() throws {
        let dir = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try OversweepBinary.run(["bench", "--export", dir.path, "--workload", "W3", "--dtype", "float32"])
        #expect(r.status == 0, "\(r.stderr)")
        let nets = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("W3_float32").path)
        #expect(nets.count == 64)
        let bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent("W3_float32/63/hidden2_w.npy")))
        let (shape, _) = try NPY.decode(bytes)
        #expect(shape == [128, 128])
    }
}
