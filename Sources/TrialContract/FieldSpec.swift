/// One field of `TrialConfig` as every path needs it: built from the field's
/// key path and value type (`ConfigValue`), so reading, writing, copying and
/// describing a field cannot disagree with each other.
public final class FieldSpec: Sendable {
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
    /// `"name":` as canonical JSON writes it (names are plain ASCII).
    let canonicalKey: [UInt8]

    // The accessors take pointers to the config: hot paths (every lease and
    // record is written and read through them) then load and store the
    // field at its offset instead of copying the config or walking a key path.
    let json: @Sendable (UnsafePointer<TrialConfig>) -> JSONValue?
    /// Appends the value's canonical text (false: an absent optional, nothing appended).
    let canonical: @Sendable (UnsafePointer<TrialConfig>, inout [UInt8]) -> Bool
    let assign: @Sendable (UnsafeMutablePointer<TrialConfig>, JSONValue) throws(ConfigValueError) -> Void
    let copy: @Sendable (UnsafeMutablePointer<TrialConfig>, UnsafePointer<TrialConfig>) -> Void
    let scan: @Sendable (inout JSONScanner, UnsafeMutablePointer<TrialConfig>) -> Bool
    let write: @Sendable (UnsafePointer<TrialConfig>, inout JSONWriter) -> Bool
    let decode: @Sendable (KeyedDecodingContainer<TrialConfig.Field>, UnsafeMutablePointer<TrialConfig>) throws(ConfigError) -> Void
    let encode: @Sendable (UnsafePointer<TrialConfig>, inout KeyedEncodingContainer<TrialConfig.Field>) throws -> Void

    init<V: ConfigValue>(_ field: TrialConfig.Field, _ path: WritableKeyPath<TrialConfig, V> & Sendable,
                         _ doc: String, required: Bool = false, shape: Bool = false) {
        self.field = field
        index = field.ordinal
        self.doc = doc
        self.required = required
        expected = V.expected
        isInteger = V.isInteger
        isList = V.isList
        isOptional = V.isOptional
        isShape = shape
        var quoted = ""
        JSONValue.writeString(field.rawValue, to: &quoted)
        canonicalKey = Array((quoted + ":").utf8)
        let key = JSONWriter.quotedKey(field.rawValue)
        // A stored property of a struct always has an offset.
        let offset = MemoryLayout<TrialConfig>.offset(of: path) ?? 0
        precondition(MemoryLayout<TrialConfig>.offset(of: path) != nil, "\(field.rawValue) is not a stored property")
        @Sendable func get(_ c: UnsafePointer<TrialConfig>) -> V {
            UnsafeRawPointer(c).advanced(by: offset).assumingMemoryBound(to: V.self).pointee
        }
        @Sendable func set(_ c: UnsafeMutablePointer<TrialConfig>, _ v: V) {
            UnsafeMutableRawPointer(c).advanced(by: offset).assumingMemoryBound(to: V.self).pointee = v
        }
        json = { get($0).json }
        canonical = { c, out in get(c).canonical(to: &out) }
        assign = { c, value throws(ConfigValueError) in set(c, try V(json: value)) }
        copy = { c, other in set(c, get(other)) }
        scan = { r, c in
            guard let v = V.scan(&r) else { return false }
            set(c, v)
            return true
        }
        write = { c, w in
            let v = get(c)
            guard !v.isAbsent else { return true }
            w.key(quoted: key)
            return v.write(to: &w)
        }
        decode = { container, c throws(ConfigError) in
            do {
                if let v = try container.decodeIfPresent(V.self, forKey: field) { set(c, v) }
            } catch {
                throw ConfigError("config key '\(field.rawValue)': expected \(V.expected)")
            }
        }
        encode = { c, container in
            let v = get(c)
            if !v.isAbsent { try container.encode(v, forKey: field) }
        }
    }

    /// The table, in encoding order.
    static let table: [FieldSpec] = {
        precondition(MemoryLayout<TrialConfig.Field>.size == 1 && TrialConfig.Field.allCases.enumerated().allSatisfy { $1.ordinal == $0 },
                     "TrialConfig.Field is no longer stored as its declaration index")
        return TrialConfig.Field.allCases.map(TrialConfig.Field.entry)
    }()
    static let canonicalOrder: [FieldSpec] = TrialConfig.canonicalFieldOrder.map(\.spec)
    /// Calls `body` with each entry of `specs` in order until it returns
    /// false. The table lives for the whole process, so its entries are
    /// borrowed, not retained: on the hot paths (ids, leases, records) a
    /// retain and release per field cost more than the field's text when
    /// several threads did it at once, each writing the shared entry's
    /// reference count.
    @inline(__always)
    static func borrowing(_ specs: [FieldSpec], _ body: (FieldSpec) -> Bool) {
        specs.withUnsafeBufferPointer { entries in
            for i in entries.indices {
                guard Unmanaged.passUnretained(entries[i])._withUnsafeGuaranteedRef(body) else { return }
            }
        }
    }

    static let byName: [String: FieldSpec] = Dictionary(uniqueKeysWithValues: table.map { ($0.field.rawValue, $0) })

    /// The default value as the docs show it ("required" for required fields, "unset" for an absent optional).
    public var defaultText: String {
        if required { return "required" }
        return TrialConfig().json(field)?.display ?? "unset"
    }
}
