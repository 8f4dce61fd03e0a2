import Crypto

/// The stable identity of a trial: SHA-256 (hex) of the canonical JSON of its
/// normalized config, seed included (a data file counted by its content
/// digest, not its path: `identityText`). Same config ⇒ same id on any host, any run.
public struct TrialID: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    /// The id of a config: SHA-256 of `CanonicalJSON.text(config:)`. Spellings
    /// that `normalized()` makes equal, and configs that differ only in how
    /// their numbers were written, get the same id.
    public init(config: TrialConfig) {
        self.init(normalized: config.normalized())
    }

    /// The id of a config that is already normalized.
    public init(normalized config: TrialConfig) {
        self.init(rawValue: CanonicalJSON.sha256Hex(bytes: config.identityBytes))
    }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    public static func < (a: TrialID, b: TrialID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { rawValue }
    /// The first 12 hex digits, for logs and listings.
    public var short: String { String(rawValue.prefix(12)) }
}

/// Canonical JSON (sorted keys, one spelling per number) and hashes over it.
public enum CanonicalJSON {
    /// The canonical JSON of a trial's identity: its config after
    /// `normalized()`, every field present (defaults filled in), `data_file`
    /// left out when `data_digest` stands for it.
    public static func text(config: TrialConfig) -> String {
        config.normalized().identityText
    }

    /// Lower-case hex SHA-256 of the UTF-8 bytes of `text`.
    public static func sha256Hex(_ text: String) -> String { sha256Hex(bytes: Array(text.utf8)) }

    public static func sha256Hex(bytes: [UInt8]) -> String {
        let digest = SHA256.hash(data: bytes)
        return String(unsafeUninitializedCapacity: 64) { out in
            var i = 0
            for byte in digest {
                out[i] = hexDigits[Int(byte >> 4)]
                out[i + 1] = hexDigits[Int(byte & 0x0F)]
                i += 2
            }
            return 64
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
