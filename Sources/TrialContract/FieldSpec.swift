/// One field of `TrialConfig` as every path needs it: built from the field's
/// key path and value type (`ConfigValue`), so reading, writing, copying and
/// describing a field cannot disagree with each other.
public struct FieldSpec: Sendable {
    public let field: TrialConfig.Field
    /// Position in `TrialConfig.Field.allCases` (encoding order).
    public let index: Int
    /// What the field means (the spec-format field list).
    public let doc: String
    /// A config must state it; there is no default to rely on.
    public let required: Bool
    /// What a value must be: "an integer", "one of: relu, leaky, …".
    public let expected: String
    public let isInteger: Bool
    public let isList: Bool
    public let isOptional: Bool
    /// Decides the shapes or code path of training (`TrialConfig.shapeFields`).
    public let isShape: Bool

    let json: @Sendable (TrialConfig) -> JSONValue?
    let assign: @Sendable (inout TrialConfig, JSONValue) throws(ConfigValueError) -> Void
    let copy: @Sendable (inout TrialConfig, TrialConfig) -> Void
    let scan: @Sendable (inout JSONScanner, inout TrialConfig) -> Bool
    let write: @Sendable (TrialConfig, inout JSONWriter) -> Bool
    let decode: @Sendable (KeyedDecodingContainer<TrialConfig.Field>, inout TrialConfig) throws(ConfigError) -> Void
    let encode: @Sendable (TrialConfig, inout KeyedEncodingContainer<TrialConfig.Field>) throws -> Void

    init<V: ConfigValue>(_ field: TrialConfig.Field, _ path: WritableKeyPath<TrialConfig, V> & Sendable,
                         _ doc: String, required: Bool = false, shape: Bool = false) {
        self.field = field
        index = TrialConfig.Field.allCases.firstIndex(of: field) ?? -1
        self.doc = doc
        self.required = required
        expected = V.expected
        isInteger = V.isInteger
        isList = V.isList
        isOptional = V.isOptional
        isShape = shape
        let key = JSONWriter.quotedKey(field.rawValue)
        json = { $0[keyPath: path].json }
        assign = { c, value throws(ConfigValueError) in c[keyPath: path] = try V(json: value) }
        copy = { c, other in c[keyPath: path] = other[keyPath: path] }
        scan = { r, c in
            guard let v = V.scan(&r) else { return false }
            c[keyPath: path] = v
            return true
        }
        write = { c, w in
            let v = c[keyPath: path]
            guard !v.isAbsent else { return true }
            w.key(quoted: key)
            return v.write(to: &w)
        }
        decode = { container, c throws(ConfigError) in
            do {
                if let v = try container.decodeIfPresent(V.self, forKey: field) { c[keyPath: path] = v }
            } catch {
                throw ConfigError("config key '\(field.rawValue)': expected \(V.expected)")
            }
        }
        encode = { c, container in
            let v = c[keyPath: path]
            if !v.isAbsent { try container.encode(v, forKey: field) }
        }
    }

    /// The table, in encoding order.
    static let table: [FieldSpec] = TrialConfig.Field.allCases.map(TrialConfig.Field.entry)
    static let byField: [TrialConfig.Field: FieldSpec] = Dictionary(uniqueKeysWithValues: table.map { ($0.field, $0) })
    static let byName: [String: FieldSpec] = Dictionary(uniqueKeysWithValues: table.map { ($0.field.rawValue, $0) })

    /// The default value as the docs show it ("required" for required fields, "unset" for an absent optional).
    public var defaultText: String {
        if required { return "required" }
        return json(TrialConfig())?.display ?? "unset"
    }
}
