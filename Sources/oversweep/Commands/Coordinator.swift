import ArgumentParser

struct Coordinator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "coordinator", abstract: "(not built yet)")

    func run() async throws {
        throw ValidationError("'coordinator' is not built yet")
    }
}
