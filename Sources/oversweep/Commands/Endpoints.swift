import ArgumentParser
import Foundation

/// Endpoint checks shared by the commands.
enum Endpoints {
    /// True when a tcp endpoint binds or connects beyond this machine.
    static func isPublicTCP(_ endpoint: String) -> Bool {
        guard endpoint.hasPrefix("tcp://") else { return false }
        var host = String(endpoint.dropFirst(6))
        if let colon = host.lastIndex(of: ":") { host = String(host[..<colon]) }
        host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return !(host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "lo")
    }

    static func validate(_ endpoint: String, flag: String) throws {
        let ok = ["tcp://", "ipc://", "inproc://"].contains { endpoint.hasPrefix($0) }
        if !ok || endpoint.count < 8 {
            throw ValidationError("\(flag) \(endpoint): expected tcp://HOST:PORT or ipc://PATH")
        }
    }
}
