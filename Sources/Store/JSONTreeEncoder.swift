import Foundation
import Sweep

/// An `Encoder` that writes any `Encodable` (here: `TrialConfig`) through
/// `JSONWriter`, keeping the order in which the type encodes its keys. It
/// collects a small tree first because Codable may open containers in any order.
final class JSONTreeEncoder {
    final class Node {
        enum Kind { case empty, value, array, object }
        var kind = Kind.empty
        var scalar = Scalar.null
        var items: [Node] = []
        var members: [(String, Node)] = []

        func set(_ s: Scalar) { kind = .value; scalar = s }
        func become(_ k: Kind) { if kind != k { kind = k; items = []; members = [] } }
    }
    enum Scalar { case null, bool(Bool), int(Int64), uint(UInt64), double(Double), string(String) }

    struct NonFinite: Error, CustomStringConvertible {
        var path: String
        var description: String { "'\(path)' is not a finite number" }
    }

    static func write(_ value: some Encodable, to writer: inout JSONWriter) throws {
        let root = Node()
        try encodeTree(value, into: root)
        emit(root, to: &writer)
    }

    static func encodeTree(_ value: some Encodable, into root: Node) throws {
        try value.encode(to: TreeEncoder(node: root, codingPath: []))
    }

    static func emit(_ node: Node, to w: inout JSONWriter) {
        switch node.kind {
        case .empty: w.null()
        case .value:
            switch node.scalar {
            case .null: w.null()
            case .bool(let b): w.bool(b)
            case .int(let i): w.int64(i)
            case .uint(let u): w.uint(u)
            case .double(let d): w.double(d)
            case .string(let s): w.string(s)
            }
        case .array:
            w.beginArray()
            for i in node.items { emit(i, to: &w) }
            w.endArray()
        case .object:
            w.beginObject()
            for (k, v) in node.members { w.key(k); emit(v, to: &w) }
            w.endObject()
        }
    }
}

private struct TreeEncoder: Encoder {
    let node: JSONTreeEncoder.Node
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.become(.object)
        return KeyedEncodingContainer(KeyedTree<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.become(.array)
        return UnkeyedTree(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleTree(node: node, codingPath: codingPath) }
}

private func scalar(_ value: some Encodable, path: [any CodingKey]) throws -> JSONTreeEncoder.Node {
    let n = JSONTreeEncoder.Node()
    switch value {
    case let v as Double:
        guard v.isFinite else { throw JSONTreeEncoder.NonFinite(path: path.map(\.stringValue).joined(separator: ".")) }
        n.set(.double(v))
    case let v as Float:
        guard v.isFinite else { throw JSONTreeEncoder.NonFinite(path: path.map(\.stringValue).joined(separator: ".")) }
        n.set(.double(Double(v)))
    case let v as String: n.set(.string(v))
    case let v as Bool: n.set(.bool(v))
    case let v as Int: n.set(.int(Int64(v)))
    case let v as Int64: n.set(.int(v))
    case let v as Int32: n.set(.int(Int64(v)))
    case let v as Int16: n.set(.int(Int64(v)))
    case let v as Int8: n.set(.int(Int64(v)))
    case let v as UInt: n.set(.uint(UInt64(v)))
    case let v as UInt64: n.set(.uint(v))
    case let v as UInt32: n.set(.uint(UInt64(v)))
    case let v as UInt16: n.set(.uint(UInt64(v)))
    case let v as UInt8: n.set(.uint(UInt64(v)))
    case let v as Date:
        n.set(.string(Timestamp.format(v)))
    default:
        try value.encode(to: TreeEncoder(node: n, codingPath: path))
    }
    return n
}

private struct KeyedTree<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: JSONTreeEncoder.Node
    let codingPath: [any CodingKey]

    private func put(_ key: Key, _ child: JSONTreeEncoder.Node) {
        if let i = node.members.firstIndex(where: { $0.0 == key.stringValue }) {
            node.members[i].1 = child
        } else {
            node.members.append((key.stringValue, child))
        }
    }

    mutating func encodeNil(forKey key: Key) throws {
        let n = JSONTreeEncoder.Node(); n.set(.null); put(key, n)
    }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        put(key, try scalar(value, path: codingPath + [key]))
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let n = JSONTreeEncoder.Node(); put(key, n)
        return TreeEncoder(node: n, codingPath: codingPath + [key]).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let n = JSONTreeEncoder.Node(); put(key, n)
        return TreeEncoder(node: n, codingPath: codingPath + [key]).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder {
        let n = JSONTreeEncoder.Node(); put(Key(stringValue: "super")!, n)
        return TreeEncoder(node: n, codingPath: codingPath)
    }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let n = JSONTreeEncoder.Node(); put(key, n)
        return TreeEncoder(node: n, codingPath: codingPath + [key])
    }
}

private struct IndexKey: CodingKey {
    var stringValue: String { String(intValue ?? 0) }
    var intValue: Int?
    init(_ i: Int) { intValue = i }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct UnkeyedTree: UnkeyedEncodingContainer {
    let node: JSONTreeEncoder.Node
    let codingPath: [any CodingKey]
    var count: Int { node.items.count }

    private func add(_ child: JSONTreeEncoder.Node) {
        node.items.append(child)
    }

    mutating func encodeNil() throws { let n = JSONTreeEncoder.Node(); n.set(.null); add(n) }
    mutating func encode<T: Encodable>(_ value: T) throws { add(try scalar(value, path: codingPath + [IndexKey(count)])) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let n = JSONTreeEncoder.Node(); add(n)
        return TreeEncoder(node: n, codingPath: codingPath).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let n = JSONTreeEncoder.Node(); add(n)
        return TreeEncoder(node: n, codingPath: codingPath).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder {
        let n = JSONTreeEncoder.Node(); add(n)
        return TreeEncoder(node: n, codingPath: codingPath)
    }
}

private struct SingleTree: SingleValueEncodingContainer {
    let node: JSONTreeEncoder.Node
    let codingPath: [any CodingKey]
    mutating func encodeNil() throws { node.set(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        let n = try scalar(value, path: codingPath)
        node.kind = n.kind; node.scalar = n.scalar; node.items = n.items; node.members = n.members
    }
}
