import Crypto
import Training

/// Canonical JSON (sorted keys, one spelling per number) and hashes over it.
public enum CanonicalJSON {
    /// The canonical JSON text of any Encodable value.
    public static func text<T: Encodable>(_ value: T) throws -> String {
        try JSONValueEncoder.encode(value).canonicalText
    }

    /// The canonical JSON text of JSON text (e.g. a stored record): same value ⇒ same bytes.
    public static func text(json: String) throws -> String {
        try JSONValue.parse(json).canonicalText
    }

    /// The canonical JSON of a trial's identity: its config after
    /// `normalized()`, every field present (defaults filled in).
    public static func text(config: TrialConfig) -> String {
        config.normalized().canonicalText
    }

    /// `text(config:)` as a JSONValue object.
    public static func value(config: TrialConfig) -> JSONValue {
        // TrialConfig's encode(to:) writes plain values only, which this encoder cannot refuse.
        (try? JSONValueEncoder.encode(config.normalized())) ?? .null
    }

    /// Lower-case hex SHA-256 of the UTF-8 bytes of `text`.
    public static func sha256Hex(_ text: String) -> String {
        let digest = SHA256.hash(data: Array(text.utf8))
        var out = ""
        out.reserveCapacity(64)
        for byte in digest {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
        return out
    }

    private static let hexDigits: [Character] = Array("0123456789abcdef")
}

extension TrialID {
    /// The id of a config: SHA-256 of `CanonicalJSON.text(config:)`. Spellings
    /// that `normalized()` makes equal, and configs that differ only in how
    /// their numbers were written, get the same id.
    public init(config: TrialConfig) {
        self.init(rawValue: CanonicalJSON.sha256Hex(CanonicalJSON.text(config: config)))
    }
}

extension Trial {
    /// A trial for a config: its normalized form and that form's id.
    public init(config: TrialConfig, sweep: String) {
        let resolved = config.normalized()
        self.init(id: TrialID(rawValue: CanonicalJSON.sha256Hex(resolved.canonicalText)), config: resolved, sweep: sweep)
    }
}
