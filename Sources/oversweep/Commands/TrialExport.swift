import Foundation
import Training
import TrialContract

/// `train --export DIR`: the trial's data and initial weights as .npy files
/// in the trial's dtype, plus manifest.json (file names, shapes, config).
enum TrialExport {
    struct Manifest: Encodable {
        struct Layer: Encodable {
            var name: String
            var shape: [Int]
            var trains: Bool
            var residual: Bool
            var weights: String
            var bias: String?
        }
        var format = "oversweep-export/1"
        var dtype: String
        var files: [String: String]
        var shapes: [String: [Int]]
        var layers: [Layer]
        var forward: String
        var config: TrialConfig
    }

    static func write(_ config: TrialConfig, to dir: String) throws {
        let state = try InitialState.make(for: config)
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw TrainingError(.io, "--export \(dir): cannot create directory (\((error as NSError).localizedDescription))")
        }
        var files = [String: String](), shapes = [String: [Int]]()
        func save(_ a: NamedArray) throws -> String {
            let file = a.name + ".npy"
            let bytes: [UInt8] = config.dtype == .float32
                ? NPY.encode(a.values.map { Float($0) }, shape: a.shape)
                : NPY.encode(a.values, shape: a.shape)
            let path = (dir as NSString).appendingPathComponent(file)
            guard fm.createFile(atPath: path, contents: Data(bytes)) else {
                throw TrainingError(.io, "--export: cannot write \(path)")
            }
            files[a.name] = file
            shapes[a.name] = a.shape
            return file
        }
        for a in [state.xTrain, state.yTrain, state.xTest, state.yTest] { _ = try save(a) }
        var layers = [Manifest.Layer]()
        for l in state.layers {
            layers.append(Manifest.Layer(name: l.name, shape: l.shape, trains: l.trains, residual: l.residual,
                                         weights: try save(l.weights), bias: try l.bias.map(save)))
        }
        let manifest = Manifest(
            dtype: config.dtype.rawValue, files: files, shapes: shapes, layers: layers,
            forward: "rows are samples; embedding (if present): h0 = x·Aᵀ (no activation); "
                + "hidden l: z = h·Wᵀ + b, h = φ(z), or h = h_prev + θ·φ(z) when residual; output: f = h·Wᵀ + b",
            config: config)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let path = (dir as NSString).appendingPathComponent("manifest.json")
        guard fm.createFile(atPath: path, contents: try encoder.encode(manifest)) else {
            throw TrainingError(.io, "--export: cannot write \(path)")
        }
    }
}
