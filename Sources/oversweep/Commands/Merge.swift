import ArgumentParser

struct Merge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "merge", abstract: "(not built yet)")

    func run() async throws {
        throw ValidationError("'merge' is not built yet")
    }
}
