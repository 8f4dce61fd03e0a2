// Decoding refuses unknown keys (with a suggestion) and missing required
// fields; encoding writes every field, so an encoded config is complete.
// Both walk the field table (`FieldSpec`).

/// A coding key for any string, used to find keys the config does not know.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension TrialConfig: Codable {
    public init(from decoder: any Decoder) throws {
        let raw = try decoder.container(keyedBy: AnyKey.self)
        try Self.checkKeys(raw.allKeys.map(\.stringValue))
        let c = try decoder.container(keyedBy: Field.self)
        self.init()
        try withUnsafeMutablePointer(to: &self) { p throws(ConfigError) in
            for spec in FieldSpec.table { try spec.decode(c, p) }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Field.self)
        try withUnsafePointer(to: self) { p in
            for spec in FieldSpec.table { try spec.encode(p, &c) }
        }
    }
}

/// "Did you mean" suggestions by edit distance.
public enum Suggest {
    public static func closest(to word: String, among candidates: [String]) -> String? {
        let best = candidates.map { ($0, distance(word.lowercased(), $0.lowercased())) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= max(2, word.count / 3) else { return nil }
        return best.0
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
