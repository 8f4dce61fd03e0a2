import ArgumentParser

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "(not built yet)")

    func run() async throws {
        throw ValidationError("'worker' is not built yet")
    }
}
