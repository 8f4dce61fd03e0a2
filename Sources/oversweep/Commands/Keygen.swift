import ArgumentParser

struct Keygen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keygen", abstract: "(not built yet)")

    func run() async throws {
        throw ValidationError("'keygen' is not built yet")
    }
}
