import ArgumentParser
import Foundation
import Training

struct Train: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train one trial from a JSON config and print its result record as JSON."
    )

    @Argument(help: "Path of the trial config (JSON).")
    var config: String

    func run() async throws {
        let trial = try TrialConfigFile.load(config)
        let result = Trainer.train(trial)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
        if result.status == .failed { throw ExitCode(2) }
    }
}

/// Reads a TrialConfig from a JSON file, turning every failure into one line naming the file.
enum TrialConfigFile {
    static func load(_ path: String) throws -> TrialConfig {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw CLIError("\(path): cannot read (\((error as NSError).localizedDescription))")
        }
        do {
            let config = try JSONDecoder().decode(TrialConfig.self, from: data)
            try config.validate()
            return config
        } catch let e as TrainingError {
            throw CLIError("\(path): \(e.message)")
        } catch {
            throw CLIError("\(path): not a JSON object of config fields (\(error.localizedDescription))")
        }
    }
}
