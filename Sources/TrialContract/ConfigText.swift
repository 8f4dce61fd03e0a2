// A config's text forms, all derived from the field table (`FieldSpec`):
// the fast writer (leases, result lines), the fast reader (their
// counterpart), the canonical text behind trial ids, and the decoder from a
// spec's JSON values.

/// A config field holding a number JSON cannot hold (NaN, ±∞).
public struct NonFiniteField: Error, Sendable {
    public var field: TrialConfig.Field
}

extension TrialConfig {
    /// Writes every field in encoding order (absent optionals left out): the
    /// object `JSONEncoder` would write, without its generic containers
    /// (which cost two thirds of the store's write time).
    public func write(to w: inout JSONWriter) throws(NonFiniteField) {
        w.beginObject()
        var failed: Field?
        withUnsafePointer(to: self) { c in
            FieldSpec.borrowing(FieldSpec.table) { spec in
                if spec.write(c, &w) { return true }
                failed = spec.field
                return false
            }
        }
        if let failed { throw NonFiniteField(field: failed) }
        w.endObject()
    }

    /// Reads a config object as `write(to:)` writes it, without
    /// `JSONDecoder`. A shortcut only (see `JSONScanner`): nil for an unknown
    /// or repeated key, a missing required key, an escaped string, a value of
    /// another type or outside its choices; the caller then decodes with the
    /// `Decodable` conformance, which names the problem.
    public static func scan(_ r: inout JSONScanner) -> TrialConfig? {
        var c = TrialConfig()
        var seen = FieldSet()
        let complete = withUnsafeMutablePointer(to: &c) { p in
            r.object({ r, key in
                guard let spec = FieldSpec.byName[key], seen.insert(spec.index) else { return false }
                return spec.scan(&r, p)
            })
        }
        guard complete, seen.contains(all: FieldSet.required) else { return nil }
        return c
    }

    /// `scan` over a whole text (nothing may follow the object).
    public static func scan(_ bytes: [UInt8]) -> TrialConfig? {
        var r = JSONScanner(bytes)
        guard let c = scan(&r), r.atEnd() else { return nil }
        return c
    }

    /// A field's value as canonical JSON (nil for an absent optional).
    public func json(_ field: Field) -> JSONValue? { withUnsafePointer(to: self) { field.spec.json($0) } }

    /// Every present field as canonical JSON.
    public var jsonObject: [String: JSONValue] {
        var members: [String: JSONValue] = [:]
        withUnsafePointer(to: self) { c in
            for spec in FieldSpec.table { if let v = spec.json(c) { members[spec.field.rawValue] = v } }
        }
        return members
    }

    /// Copies one field from another config.
    public mutating func copy(_ field: Field, from other: TrialConfig) {
        withUnsafePointer(to: other) { o in withUnsafeMutablePointer(to: &self) { field.spec.copy($0, o) } }
    }

    /// Canonical JSON of this config as it is (not normalized), written
    /// directly.
    public var canonicalText: String { canonicalText(omitting: nil) }

    /// What a trial id hashes: the canonical text, except that a data file
    /// with a content digest is identified by the digest alone, not its path
    /// (moving or renaming the file keeps the ids; changing a byte changes them).
    public var identityText: String { String(decoding: identityBytes, as: UTF8.self) }

    /// `identityText` as UTF-8 bytes, written directly (what `TrialID` hashes).
    public var identityBytes: [UInt8] { canonicalBytes(omitting: dataDigest == nil ? nil : .dataFile) }

    private func canonicalText(omitting omitted: Field?) -> String {
        String(decoding: canonicalBytes(omitting: omitted), as: UTF8.self)
    }

    private func canonicalBytes(omitting omitted: Field?) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(1024)
        withUnsafePointer(to: self) { c in
            FieldSpec.borrowing(FieldSpec.canonicalOrder) { spec in
                guard spec.field != omitted else { return true }
                let mark = out.count
                if mark > 1 { out.append(UInt8(ascii: ",")) }
                spec.canonicalKey.withUnsafeBufferPointer { out.append(contentsOf: $0) }
                // An absent optional: take back its key.
                if !spec.canonical(c, &out) { out.removeSubrange(mark...) }
                return true
            }
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// A config from JSON members (a spec's base and axis values): unknown
    /// keys (with a suggestion), missing required keys and wrong types are
    /// refused with the message the `Decodable` path gives.
    public init(json members: [String: JSONValue]) throws(ConfigError) {
        self.init()
        try Self.checkKeys(members.keys)
        for (key, value) in members {
            guard let spec = FieldSpec.byName[key] else { continue }
            do {
                try withUnsafeMutablePointer(to: &self) { c throws(ConfigValueError) in try spec.assign(c, value) }
            } catch {
                let p = error.problem
                throw ConfigError(p.hasPrefix("expected") ? "config key '\(key)': \(p)" : "\(key) \(p)")
            }
        }
    }

    /// Unknown keys (with a suggestion) and missing required keys.
    static func checkKeys(_ keys: some Collection<String>) throws(ConfigError) {
        for key in keys.sorted() where FieldSpec.byName[key] == nil {
            let hint = Suggest.closest(to: key, among: Field.allCases.map(\.rawValue))
            throw ConfigError("unknown config key '\(key)'" + (hint.map { " (did you mean '\($0)'?)" } ?? ""))
        }
        let present = Set(keys)
        for field in requiredFields where !present.contains(field.rawValue) {
            throw ConfigError("missing required config key '\(field.rawValue)'")
        }
    }
}

/// A set of field indices, without allocating (the reader runs per lease and per record).
struct FieldSet {
    private var words: (UInt64, UInt64) = (0, 0)

    static let required: FieldSet = {
        var s = FieldSet()
        for f in TrialConfig.requiredFields { _ = s.insert(f.spec.index) }
        return s
    }()

    /// False when already present.
    mutating func insert(_ i: Int) -> Bool {
        precondition(i >= 0 && i < 128, "FieldSet holds 128 fields; widen it")
        let bit = UInt64(1) << UInt64(i & 63)
        if i < 64 {
            if words.0 & bit != 0 { return false }
            words.0 |= bit
        } else {
            if words.1 & bit != 0 { return false }
            words.1 |= bit
        }
        return true
    }

    func contains(all other: FieldSet) -> Bool {
        words.0 & other.words.0 == other.words.0 && words.1 & other.words.1 == other.words.1
    }
}
