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
}
