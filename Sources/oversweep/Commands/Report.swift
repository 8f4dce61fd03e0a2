import ArgumentParser

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "(not built yet)")

    func run() async throws {
        throw ValidationError("'report' is not built yet")
    }
}
