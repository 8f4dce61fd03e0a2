import ArgumentParser

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "(not built yet)")

    func run() async throws {
        throw ValidationError("'status' is not built yet")
    }
}
