import ArgumentParser

@main
struct OverSweep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oversweep",
        abstract: "Run large hyperparameter sweeps of neural-network training across machines.",
        version: ToolVersion.description,
        subcommands: [
            Run.self, Coordinator.self, Worker.self, Plan.self, Status.self, Merge.self, Filter.self,
            Report.self, Export.self, Train.self, Bench.self, Keygen.self, StoreTool.self,
        ]
    )
}
