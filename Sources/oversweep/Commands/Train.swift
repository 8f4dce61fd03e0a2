import SafeFiles
import ArgumentParser
import Foundation
import Training
import TrialContract

struct Train: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train one trial from a JSON config and print its result record as JSON.",
        discussion: """
            With --export DIR, also writes the trial's data and initial weights as .npy files \
            (x_train, y_train, x_test, y_test, <layer>_w, <layer>_b) and manifest.json naming \
            them with their shapes, so the same training can be re-run in numpy or PyTorch.
            """
    )

    @Argument(help: "Path of the trial config (JSON).")
    var config: String

    @Option(help: "Directory to write the data, initial weights (.npy) and manifest.json into.")
    var export: String?

    @Option(help: "Threads for this trial's GEMMs and elementwise passes.")
    var threads: Int = 1

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be ≥ 1 (got \(threads))") }
    }

    func run() async throws {
        let trial = try TrialConfigFile.load(config)
        if let export {
            do {
                try TrialExport.write(trial, to: export)
            } catch let e as TrainingError {
                throw CLIError("\(config): \(e.message)")
            } catch let e as ConfigError {
                throw CLIError("\(config): \(e.message)")
            }
        }
        let result = Trainer.trainShard([trial], threads: threads)[0]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
        if result.status == .failed {
            FileHandle.standardError.write(Data("Error: \(config): \(result.message ?? "failed")\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// Reads a TrialConfig from a JSON file, turning every failure into one line naming the file.
enum TrialConfigFile {
    /// A config is a few hundred bytes; anything past this is not one.
    static let maxBytes = 1 << 20

    static func load(_ path: String) throws -> TrialConfig {
        let data: Data
        switch RegularFile.contents(path, maxBytes: maxBytes) {
        case .success(let bytes): data = Data(bytes)
        case .failure(let f): throw CLIError("\(path): cannot read (\(f.reason))")
        }
        do {
            let config = try JSONDecoder().decode(TrialConfig.self, from: data)
            try config.validate()
            try SizeLimits.check(config, limit: .thisMachine)
            return config
        } catch let e as ConfigError {
            throw CLIError("\(path): \(e.message)")
        } catch let e as TrainingError {
            throw CLIError("\(path): \(e.message)")
        } catch {
            throw CLIError("\(path): not a JSON object of config fields (\(error.localizedDescription))")
        }
    }
}
