import Foundation
import Wire

/// Files of CURVE keys, as `oversweep keygen` writes them and `--curve-allow`
/// lists them (keys never travel on a command line).
public enum CurveKeyFile {
    /// Keys in a file: one per line; blank lines and `#` comments ignored.
    public static func read(_ path: String) throws -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw WireError(.keys, "cannot read key file \(path)")
        }
        var keys: [String] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let key = String(line.split(separator: " ").first ?? "")
            try CurveKeyPair.check(key, what: "\(path):\(n + 1)")
            keys.append(key)
        }
        return keys
    }

    /// The single key in a file (a `.key` or `.pub` file from `oversweep keygen`).
    public static func readOne(_ path: String) throws -> String {
        let keys = try read(path)
        guard keys.count == 1, let key = keys.first else {
            throw WireError(.keys, "\(path) must hold exactly one key (found \(keys.count))")
        }
        return key
    }

    /// A warning when a secret key file can be read by other users (nil when
    /// only its owner can): anyone who reads it can act as this party.
    public static func loosePermissions(_ path: String) -> String? {
        guard let mode = (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? Int,
              mode & 0o077 != 0 else { return nil }
        return "the secret key \(path) can be read by other users (mode \(String(mode & 0o777, radix: 8))): anyone who reads it can pose as this party; chmod 600 \(path)"
    }
}
