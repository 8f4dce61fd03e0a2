// Encodes any Encodable straight into a `JSONValue` (no JSON text in
// between), so a config's canonical form follows its own `encode(to:)` and
// stays right when fields are added.

enum JSONValueEncoder {
    static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let box = Box()
        try value.encode(to: ValueEncoder(box: box, codingPath: []))
        return box.resolved
    }
}

/// A value under construction; containers write into their box, which is
/// read back once encoding ends. A class so nested containers share it.
private final class Box {
    var scalar: JSONValue = .null
    var object: [String: Box]?
    /// Primitive members of an object, stored without a box each (the common case).
    var primitives: [String: JSONValue] = [:]
    var array: [Box]?

    var resolved: JSONValue {
        if let object {
            var members = primitives
            for (key, box) in object { members[key] = box.resolved }
            return .object(members)
        }
        if let array { return .array(array.map(\.resolved)) }
        return scalar
    }

    func set(_ value: JSONValue) {
        scalar = value
        object = nil
        array = nil
    }

    func makeObject() {
        if object == nil {
            object = [:]
            object?.reserveCapacity(8)
            primitives.reserveCapacity(64)
            array = nil
        }
    }

    func setMember(_ key: String, _ value: JSONValue) {
        makeObject()
        object?[key] = nil
        primitives[key] = value
    }
    func makeArray() { if array == nil { array = []; object = nil } }

    func child(forKey key: String) -> Box {
        makeObject()
        primitives[key] = nil
        if let existing = object?[key] { return existing }
        let b = Box()
        object?[key] = b
        return b
    }

    func appendChild() -> Box {
        makeArray()
        let b = Box()
        array?.append(b)
        return b
    }

    var count: Int { array?.count ?? 0 }
}

private struct ValueEncoder: Encoder {
    let box: Box
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        box.makeObject()
        return KeyedEncodingContainer(Keyed<Key>(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        box.makeArray()
        return Unkeyed(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { Single(box: box, codingPath: codingPath) }
}

/// The JSON of a primitive, or of a String-backed enum, without building containers.
private func primitiveValue<T: Encodable>(_ value: T) -> JSONValue? {
    switch value {
    case let v as Bool: return .bool(v)
    case let v as String: return .string(v)
    case let v as Double: return .double(v)
    case let v as Int: return .integer(v)
    case let v as UInt64: return .integer(v)
    default: return nil
    }
}

/// Turns a primitive or nested Encodable into the box's value.
private func store<T: Encodable>(_ value: T, in box: Box, codingPath: [any CodingKey]) throws {
    switch value {
    case let v as Bool: box.set(.bool(v))
    case let v as String: box.set(.string(v))
    case let v as Double: box.set(.double(v))
    case let v as Float: box.set(.double(Double(v)))
    case let v as Int: box.set(.integer(v))
    case let v as Int64: box.set(.integer(v))
    case let v as Int32: box.set(.integer(v))
    case let v as UInt64: box.set(.integer(v))
    case let v as UInt32: box.set(.integer(v))
    case let v as UInt: box.set(.integer(v))
    default: try value.encode(to: ValueEncoder(box: box, codingPath: codingPath))
    }
}

private struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: Box
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { box.setMember(key.stringValue, .null) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { box.setMember(key.stringValue, .bool(value)) }
    mutating func encode(_ value: String, forKey key: Key) throws { box.setMember(key.stringValue, .string(value)) }
    mutating func encode(_ value: Double, forKey key: Key) throws { box.setMember(key.stringValue, .double(value)) }
    mutating func encode(_ value: Int, forKey key: Key) throws { box.setMember(key.stringValue, .integer(value)) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { box.setMember(key.stringValue, .integer(value)) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        if let primitive = primitiveValue(value) {
            box.setMember(key.stringValue, primitive)
            return
        }
        try store(value, in: box.child(forKey: key.stringValue), codingPath: codingPath + [key])
    }
    mutating func nestedContainer<N: CodingKey>(keyedBy type: N.Type, forKey key: Key) -> KeyedEncodingContainer<N> {
        let child = box.child(forKey: key.stringValue)
        child.makeObject()
        return KeyedEncodingContainer(Keyed<N>(box: child, codingPath: codingPath + [key]))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = box.child(forKey: key.stringValue)
        child.makeArray()
        return Unkeyed(box: child, codingPath: codingPath + [key])
    }
    mutating func superEncoder() -> any Encoder { ValueEncoder(box: box.child(forKey: "super"), codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        ValueEncoder(box: box.child(forKey: key.stringValue), codingPath: codingPath + [key])
    }
}

private struct Unkeyed: UnkeyedEncodingContainer {
    let box: Box
    let codingPath: [any CodingKey]
    var count: Int { box.count }

    mutating func encodeNil() throws { box.appendChild().set(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws { try store(value, in: box.appendChild(), codingPath: codingPath) }
    mutating func nestedContainer<N: CodingKey>(keyedBy type: N.Type) -> KeyedEncodingContainer<N> {
        let child = box.appendChild()
        child.makeObject()
        return KeyedEncodingContainer(Keyed<N>(box: child, codingPath: codingPath))
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = box.appendChild()
        child.makeArray()
        return Unkeyed(box: child, codingPath: codingPath)
    }
    mutating func superEncoder() -> any Encoder { ValueEncoder(box: box.appendChild(), codingPath: codingPath) }
}

private struct Single: SingleValueEncodingContainer {
    let box: Box
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { box.set(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws { try store(value, in: box, codingPath: codingPath) }
}
