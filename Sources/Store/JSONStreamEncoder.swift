/// An `Encoder` that writes straight into a `JSONWriter` as the value encodes
/// itself: no intermediate tree, no dynamic casts for the primitive types
/// (the record writer's hot path; a tree encoder spent 70% of the write time).
///
/// Codable never says when a nested container is finished, so containers are
/// closed when their parent writes its next member, and all of them at the end.
/// That is exact for types that use their containers in order (TrialConfig and
/// every synthesized conformance); a type that interleaves two sibling nested
/// containers would be written wrongly, which the round-trip tests would catch.
final class JSONStreamEncoder {
    var writer = JSONWriter(capacity: 0)
    /// One entry per open container: true for an object, false for an array.
    private var open: [Bool] = []

    static func write(_ value: some Encodable, to w: inout JSONWriter) throws {
        let state = JSONStreamEncoder()
        swap(&state.writer, &w)
        defer { swap(&state.writer, &w) }
        try state.encodeValue(value, level: 0, path: [])
        state.close(downTo: 0)
    }

    func close(downTo level: Int) {
        while open.count > level {
            if open.removeLast() { writer.endObject() } else { writer.endArray() }
        }
    }

    /// Opens a container at `level` unless the same encoder already opened one there.
    func openContainer(object: Bool, level: Int) {
        if open.count > level, open[level] == object {
            close(downTo: level + 1)
            return
        }
        close(downTo: level)
        if object { writer.beginObject() } else { writer.beginArray() }
        open.append(object)
    }

    /// Writes one value at `level` (a key or array slot was just written).
    func encodeValue<T: Encodable>(_ value: T, level: Int, path: [any CodingKey]) throws {
        if let scalar = value as? any StreamScalar {
            try scalar.write(to: self, path: path)
            return
        }
        let before = writer.bytes.count
        try value.encode(to: StreamEncoder(state: self, level: level, codingPath: path))
        close(downTo: level)
        if writer.bytes.count == before { writer.beginObject(); writer.endObject() }  // encoded nothing: {} as JSONEncoder does
    }

    func double(_ v: Double, path: [any CodingKey]) throws {
        guard v.isFinite else { throw JSONTreeEncoder.NonFinite(path: path.map(\.stringValue).joined(separator: ".")) }
        writer.double(v)
    }
}

private struct StreamEncoder: Encoder {
    let state: JSONStreamEncoder
    let level: Int
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        state.openContainer(object: true, level: level)
        return KeyedEncodingContainer(KeyedStream<Key>(state: state, level: level + 1, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        state.openContainer(object: false, level: level)
        return UnkeyedStream(state: state, level: level + 1, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleStream(state: state, level: level, codingPath: codingPath)
    }
}

private struct KeyedStream<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let state: JSONStreamEncoder
    /// Number of containers open while this one is (its own included).
    let level: Int
    let codingPath: [any CodingKey]

    private func key(_ key: Key) {
        state.close(downTo: level)
        state.writer.key(key.stringValue)
    }

    mutating func encodeNil(forKey k: Key) throws { key(k); state.writer.null() }
    mutating func encode(_ v: Bool, forKey k: Key) throws { key(k); state.writer.bool(v) }
    mutating func encode(_ v: String, forKey k: Key) throws { key(k); state.writer.string(v) }
    mutating func encode(_ v: Double, forKey k: Key) throws { key(k); try state.double(v, path: codingPath + [k]) }
    mutating func encode(_ v: Float, forKey k: Key) throws { key(k); try state.double(Double(v), path: codingPath + [k]) }
    mutating func encode(_ v: Int, forKey k: Key) throws { key(k); state.writer.int(v) }
    mutating func encode(_ v: Int64, forKey k: Key) throws { key(k); state.writer.int64(v) }
    mutating func encode(_ v: UInt64, forKey k: Key) throws { key(k); state.writer.uint(v) }
    mutating func encode<T: Encodable>(_ value: T, forKey k: Key) throws {
        key(k)
        try state.encodeValue(value, level: level, path: codingPath + [k])
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey k: Key) -> KeyedEncodingContainer<NestedKey> {
        key(k)
        return StreamEncoder(state: state, level: level, codingPath: codingPath + [k]).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer(forKey k: Key) -> any UnkeyedEncodingContainer {
        key(k)
        return StreamEncoder(state: state, level: level, codingPath: codingPath + [k]).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder {
        state.close(downTo: level)
        state.writer.key("super")
        return StreamEncoder(state: state, level: level, codingPath: codingPath)
    }
    mutating func superEncoder(forKey k: Key) -> any Encoder {
        key(k)
        return StreamEncoder(state: state, level: level, codingPath: codingPath + [k])
    }
}

private struct StreamIndex: CodingKey {
    var stringValue: String { String(intValue ?? 0) }
    var intValue: Int?
    init(_ i: Int) { intValue = i }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct UnkeyedStream: UnkeyedEncodingContainer {
    let state: JSONStreamEncoder
    let level: Int
    let codingPath: [any CodingKey]
    private(set) var count = 0

    init(state: JSONStreamEncoder, level: Int, codingPath: [any CodingKey]) {
        self.state = state
        self.level = level
        self.codingPath = codingPath
    }

    private mutating func slot() { state.close(downTo: level); count += 1 }

    mutating func encodeNil() throws { slot(); state.writer.null() }
    mutating func encode(_ v: Bool) throws { slot(); state.writer.bool(v) }
    mutating func encode(_ v: String) throws { slot(); state.writer.string(v) }
    mutating func encode(_ v: Double) throws { slot(); try state.double(v, path: codingPath + [StreamIndex(count - 1)]) }
    mutating func encode(_ v: Int) throws { slot(); state.writer.int(v) }
    mutating func encode(_ v: UInt64) throws { slot(); state.writer.uint(v) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        slot()
        try state.encodeValue(value, level: level, path: codingPath + [StreamIndex(count - 1)])
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        slot()
        return StreamEncoder(state: state, level: level, codingPath: codingPath).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        slot()
        return StreamEncoder(state: state, level: level, codingPath: codingPath).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder {
        slot()
        return StreamEncoder(state: state, level: level, codingPath: codingPath)
    }
}

private struct SingleStream: SingleValueEncodingContainer {
    let state: JSONStreamEncoder
    let level: Int
    let codingPath: [any CodingKey]
    mutating func encodeNil() throws { state.writer.null() }
    mutating func encode(_ v: Bool) throws { state.writer.bool(v) }
    mutating func encode(_ v: String) throws { state.writer.string(v) }
    mutating func encode(_ v: Double) throws { try state.double(v, path: codingPath) }
    mutating func encode(_ v: Int) throws { state.writer.int(v) }
    mutating func encode(_ v: UInt64) throws { state.writer.uint(v) }
    mutating func encode<T: Encodable>(_ value: T) throws { try state.encodeValue(value, level: level, path: codingPath) }
}

/// The types written directly (one conformance lookup instead of a chain of casts).
protocol StreamScalar { func write(to e: JSONStreamEncoder, path: [any CodingKey]) throws }
extension Double: StreamScalar { func write(to e: JSONStreamEncoder, path: [any CodingKey]) throws { try e.double(self, path: path) } }
extension Float: StreamScalar { func write(to e: JSONStreamEncoder, path: [any CodingKey]) throws { try e.double(Double(self), path: path) } }
extension String: StreamScalar { func write(to e: JSONStreamEncoder, path: [any CodingKey]) { e.writer.string(self) } }
extension Bool: StreamScalar { func write(to e: JSONStreamEncoder, path: [any CodingKey]) { e.writer.bool(self) } }
extension Int: StreamScalar { func write(to e: JSONStreamEncoder, path: [any CodingKey]) { e.writer.int(self) } }
extension Int64: StreamScalar { func write(to e: JSONStreamEncoder, path: [any CodingKey]) { e.writer.int64(self) } }
extension Int32: StreamScalar { func write(to e: JSONStreamEncoder, path: [any CodingKey]) { e.writer.int64(Int64(self)) } }
extension UInt64: StreamScalar { func write(to e: JSONStreamEncoder, path: [any CodingKey]) { e.writer.uint(self) } }
extension UInt32: StreamScalar { func write(to e: JSONStreamEncoder, path: [any CodingKey]) { e.writer.uint(UInt64(self)) } }
extension UInt: StreamScalar { func write(to e: JSONStreamEncoder, path: [any CodingKey]) { e.writer.uint(UInt64(self)) } }
