import ArgumentParser
import Foundation
import ZeroMQTransport

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make a CURVE key pair: PREFIX.key (secret, mode 0600) and PREFIX.pub.",
        discussion: """
        Give the coordinator its .key with --curve-secret and the workers' .pub \
        files (concatenated, one key per line) with --curve-allow; give each worker \
        its own .key and the coordinator's .pub with --curve-server-key.
        """
    )

    @Option(help: "Path prefix of the two files to write.")
    var out: String

    @Flag(help: "Overwrite existing files.")
    var force = false

    func run() throws {
        let secretPath = out + ".key", publicPath = out + ".pub"
        for p in [secretPath, publicPath] where FileManager.default.fileExists(atPath: p) && !force {
            throw CLIError("\(p) already exists (use --force to replace it)")
        }
        let pair = try CurveKeyPair.generate()
        // The secret file is created 0600 before anything is written to it.
        _ = FileManager.default.createFile(atPath: secretPath, contents: nil, attributes: [.posixPermissions: 0o600])
        guard chmod(secretPath, 0o600) == 0,
              let h = FileHandle(forWritingAtPath: secretPath) else {
            throw CLIError("cannot write \(secretPath)")
        }
        try h.truncate(atOffset: 0)
        try h.write(contentsOf: Data("# OverSweep CURVE secret key — keep private\n\(pair.secretKey)\n".utf8))
        try h.close()
        do {
            try "\(pair.publicKey)\n".write(toFile: publicPath, atomically: true, encoding: .utf8)
        } catch {
            throw CLIError("cannot write \(publicPath): \(error.localizedDescription)")
        }
        print("wrote \(secretPath) (secret) and \(publicPath): \(pair.publicKey)")
    }
}
