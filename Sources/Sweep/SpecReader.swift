import Foundation
import TrialContract
import Yams

/// Where something sits in the spec file: a line and a dotted key path.
struct Loc: Sendable, Hashable {
    var line: Int?
    var path: String

    func child(_ key: String) -> String { path.isEmpty ? key : path + "." + key }
}

/// Reads Yams nodes into JSON values and mappings, with every failure a
/// `SweepError` naming the file, line and key path.
struct SpecReader {
    let file: String

    func error(_ loc: Loc, _ problem: String, _ code: SweepError.Code = .spec) -> SweepError {
        SweepError(code, file: file, line: loc.line, path: loc.path, problem)
    }

    func loc(_ node: Node, _ path: String) -> Loc { Loc(line: node.mark?.line, path: path) }

    /// The most YAML nodes a spec may expand to, an alias or merge key
    /// counting the nodes it stands for at every use. Far beyond a spec
    /// written by hand (an axis of many values is a `range`/`linspace`, not a
    /// list); a "billion laughs" of nested aliases is refused unexpanded.
    static let maxExpandedNodes = 1_000_000

    /// Parses the text into its root node; malformed YAML is one error line.
    func root(_ yaml: String) throws -> Node {
        do {
            if yaml.contains("*") { try checkExpansion(yaml) }
            guard let node = try Yams.compose(yaml: yaml) else {
                throw error(Loc(line: 1, path: ""), "empty spec (expected a mapping with 'base' and 'grid')")
            }
            return node
        } catch let e as SweepError {
            throw e
        } catch let e as YamlError {
            throw Self.describe(e, file: file)
        } catch {
            throw self.error(Loc(line: nil, path: ""), "malformed YAML: \(error)", .yaml)
        }
    }

    /// Refuses a spec whose aliases would expand to more than
    /// `maxExpandedNodes` nodes, without expanding them. Composing the text
    /// as written could already be that expensive (Yams hashes an aliased
    /// mapping key in full), so this composes a copy in which every `*` is
    /// U+2217 `∗`: aliases become plain scalars and composing is linear in
    /// the text. Sizes then add up in document order, each anchor's computed
    /// once, and a plain scalar `∗name` stands for the latest node anchored
    /// `&name` before it, as an alias does. A `*` that was not an alias (in a
    /// quoted string, a comment) can only make the count larger.
    func checkExpansion(_ yaml: String) throws {
        // The parser holds the anchors that nodes refer to weakly: keep it until the count is done.
        let parser: Parser
        let defanged: Node?
        do {
            parser = try Parser(yaml: yaml.replacingOccurrences(of: "*", with: "\u{2217}"))
            defanged = try parser.singleRoot()
        } catch let e as YamlError {
            throw Self.describe(e, file: file)
        }
        guard let defanged else { return }
        defer { withExtendedLifetime(parser) {} }
        var anchored: [String: Int] = [:]
        func size(_ node: Node) throws -> Int {
            var count = 1
            switch node {
            case .scalar(let s):
                if s.style == .plain, s.string.hasPrefix("\u{2217}"), let n = anchored[String(s.string.dropFirst())] { count = n }
            case .sequence(let seq):
                for child in seq { count += try size(child) }
            case .mapping(let m):
                for pair in m { count += try size(pair.key) + size(pair.value) }
            case .alias:
                break
            }
            guard count <= Self.maxExpandedNodes else {
                throw error(Loc(line: node.mark?.line, path: ""),
                    "the spec expands to more than \(Self.maxExpandedNodes) YAML nodes (aliases count at every use); write fewer values or use range/linspace/logspace", .tooLarge)
            }
            if let anchor = node.anchor { anchored[anchor.rawValue] = count }
            return count
        }
        _ = try size(defanged)
    }

    static func describe(_ e: YamlError, file: String) -> SweepError {
        func make(_ problem: String, _ mark: Mark?, _ context: YamlError.Context?) -> SweepError {
            var text = "malformed YAML: " + problem
            if let context { text += " (" + context.text.trimmingCharacters(in: .whitespaces) + " at line \(context.mark.line))" }
            return SweepError(.yaml, file: file, line: mark?.line, path: "", text)
        }
        switch e {
        case let .scanner(context, problem, mark, _): return make(problem, mark, context)
        case let .parser(context, problem, mark, _): return make(problem, mark, context)
        case let .composer(context, problem, mark, _): return make(problem, mark, context)
        case let .reader(problem, _, _, _): return make(problem, nil, nil)
        case let .duplicatedKeysInMapping(duplicates, context):
            return SweepError(.yaml, file: file, line: context.mark.line, path: "",
                              "duplicate key " + duplicates.map { "'\($0)'" }.joined(separator: ", ") + " in one mapping")
        default: return make("\(e)", nil, nil)
        }
    }

    /// A mapping's entries in file order, keys as strings.
    func mapping(_ node: Node, _ path: String, what: String = "a mapping") throws -> [(key: String, keyNode: Node, value: Node)] {
        guard case .mapping(let m) = node else {
            throw error(loc(node, path), "expected \(what), found \(Self.kind(node))")
        }
        var entries: [(key: String, keyNode: Node, value: Node)] = []
        var merged: [(key: String, keyNode: Node, value: Node)] = []
        for pair in m {
            guard case .scalar(let s) = pair.key else {
                throw error(loc(pair.key, path), "keys must be plain names, found \(Self.kind(pair.key))")
            }
            // YAML merge key: `<<: *anchor` (or a list of them) brings in another mapping's entries.
            if s.string == "<<" && s.style == .plain {
                let sources: [Node]
                if case .sequence(let seq) = pair.value { sources = Array(seq) } else { sources = [pair.value] }
                for source in sources {
                    merged += try mapping(source, path, what: "a mapping to merge (<<: *anchor)")
                }
                continue
            }
            entries.append((s.string, pair.key, pair.value))
        }
        // Explicit keys win over merged ones; among merged ones, the first wins.
        var seen = Set(entries.map(\.key))
        for e in merged where !seen.contains(e.key) {
            seen.insert(e.key)
            entries.append(e)
        }
        return entries
    }

    /// Refuses keys not in `allowed`, suggesting the closest.
    func checkKeys(_ entries: [(key: String, keyNode: Node, value: Node)], allowed: [String], path: String, context: String) throws {
        for e in entries where !allowed.contains(e.key) {
            let hint = Suggest.closest(to: e.key, among: allowed).map { " (did you mean '\($0)'?)" } ?? ""
            throw error(loc(e.keyNode, Loc(path: path).child(e.key)), "unknown key '\(e.key)' in \(context)\(hint)")
        }
    }

    /// Any node as a JSON value. Plain scalars follow YAML 1.2's core schema
    /// (true/false, null/~, decimal integers, floats incl. 1e-3 and .5);
    /// quoted scalars are always strings, so `"0.10"` stays text.
    func json(_ node: Node, _ path: String) throws -> JSONValue {
        switch node {
        case .scalar(let s):
            return Self.resolve(s)
        case .sequence(let seq):
            return .array(try seq.enumerated().map { try json($0.element, path + "[\($0.offset)]") })
        case .mapping:
            var members: [String: JSONValue] = [:]
            for e in try mapping(node, path) { members[e.key] = try json(e.value, Loc(path: path).child(e.key)) }
            return .object(members)
        case .alias:
            throw error(loc(node, path), "YAML aliases are not supported here; write the value out")
        }
    }

    static func resolve(_ s: Node.Scalar) -> JSONValue {
        let text = s.string
        guard s.style == .plain || s.style == .any else { return .string(text) }
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        let allowed = Set("0123456789+-.eE_")
        guard text.contains(where: \.isNumber), text.allSatisfy({ allowed.contains($0) }) else { return .string(text) }
        let cleaned = text.replacingOccurrences(of: "_", with: "")
        let unsigned = cleaned.hasPrefix("+") ? String(cleaned.dropFirst()) : cleaned
        if unsigned.allSatisfy({ $0.isNumber || $0 == "-" }), !unsigned.dropFirst().contains("-") {
            if let n = Int64(unsigned) { return .integer(n) }
            if let n = UInt64(unsigned) { return .integer(n) }
        }
        if let x = Double(unsigned) { return .double(x) }
        return .string(text)
    }

    static func kind(_ node: Node) -> String {
        switch node {
        case .scalar(let s):
            switch resolve(s) {
            case .null: return "nothing (null)"
            case .bool(let b): return "\(b)"
            case .number(let n): return "the number \(n)"
            default: return "'\(s.string)'"
            }
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }
}
