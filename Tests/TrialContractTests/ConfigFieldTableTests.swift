import Foundation
import Testing
import TrialContract

/// Every config field reaches every path derived from the field table: a
/// stored property without a `Field` case, or a path that drops, renames or
/// mixes up a field, fails here.
@Suite struct ConfigFieldTableTests {
    /// A value of the field that differs from the one `config` holds, as JSON.
    static func otherValue(_ field: TrialConfig.Field, in config: TrialConfig) throws -> JSONValue {
        let spec = field.spec
        switch config.json(field) {
        case .number(let s)? where spec.isInteger: return .integer(try #require(Int(s)) + 3)
        case .number(let s)?: return .double(try #require(Double(s)) + 0.375)
        case .bool(let b)?: return .bool(!b)
        case .array?: return .array([.integer(5), .integer(9)])
        case .string(let s)? where spec.expected.hasPrefix("one of: "):
            let choices = spec.expected.dropFirst("one of: ".count).components(separatedBy: ", ")
            return .string(try #require(choices.first { $0 != s }))
        case .string(let s)?: return .string(s + "x")
        case nil where spec.expected == "a string": return .string("data/x.csv")
        case nil where spec.expected == "true or false": return .bool(true)
        case nil where spec.isInteger: return .integer(7)
        case nil: return .double(0.625)
        default: throw ConfigError("no other value for \(field.rawValue)")
        }
    }

    static func properties(_ c: TrialConfig) -> [String: String] {
        Dictionary(uniqueKeysWithValues: Mirror(reflecting: c).children.map { ($0.label ?? "?", "\($0.value)") })
    }

    @Test func everyStoredPropertyIsExactlyOneField() throws {
        let base = TrialConfig()
        let before = Self.properties(base)
        var covered: [String: TrialConfig.Field] = [:]
        for field in TrialConfig.Field.allCases {
            let changed = try TrialConfig(json: base.jsonObject.merging([field.rawValue: try Self.otherValue(field, in: base)]) { $1 })
            let diff = Self.properties(changed).filter { before[$0.key] != $0.value }.map(\.key)
            #expect(diff.count == 1, "\(field.rawValue) changes \(diff)")
            for property in diff {
                #expect(covered[property] == nil, "\(property) is written by \(field.rawValue) and \(covered[property]?.rawValue ?? "")")
                covered[property] = field
            }
        }
        let uncovered = Set(before.keys).subtracting(covered.keys)
        #expect(uncovered.isEmpty, "stored properties without a Field case: \(uncovered.sorted())")
    }

    /// For each field, a config differing from another in that field alone
    /// differs, and round-trips, through every derived path.
    @Test func everyFieldReachesEveryPath() throws {
        var full = TrialConfig()
        full.noiseStd = 0.5
        for base in [TrialConfig(), full] {
            for field in TrialConfig.Field.allCases {
                let other = try Self.otherValue(field, in: base)
                let b = try TrialConfig(json: base.jsonObject.merging([field.rawValue: other]) { $1 })
                #expect(b != base, "\(field.rawValue)")
                #expect(b.json(field) == other, "json(\(field.rawValue))")
                // Fast writer → fast reader, and the writer's text differs.
                var wa = JSONWriter(), wb = JSONWriter()
                try base.write(to: &wa)
                try b.write(to: &wb)
                #expect(wa.bytes != wb.bytes, "writer drops \(field.rawValue)")
                #expect(TrialConfig.scan(wb.bytes) == b, "reader drops \(field.rawValue)")
                // Encodable → Decodable.
                let encoded = try JSONEncoder().encode(b)
                #expect(try JSONDecoder().decode(TrialConfig.self, from: encoded) == b, "Codable drops \(field.rawValue)")
                #expect(String(decoding: encoded, as: UTF8.self).contains("\"\(field.rawValue)\""), "encoder renames \(field.rawValue)")
                // Canonical text (trial ids) and the JSON-object decoder.
                #expect(b.canonicalText != base.canonicalText, "canonical text drops \(field.rawValue)")
                #expect(try TrialConfig(json: b.jsonObject) == b)
                // Copying.
                var copied = base
                copied.copy(field, from: b)
                #expect(copied == b, "copy(\(field.rawValue))")
            }
        }
    }

    /// A wrong value names the field and what it expects, on both decoding paths.
    @Test func wrongValuesAreNamedAlikeOnBothPaths() throws {
        for field in TrialConfig.Field.allCases {
            let wrong: JSONValue = field.spec.expected == "true or false" ? .integer(3) : .object([:])
            var members = TrialConfig().jsonObject
            members[field.rawValue] = wrong
            var fromJSON: String?
            do { _ = try TrialConfig(json: members) } catch { fromJSON = error.message }
            var fromDecoder: String?
            do {
                _ = try JSONDecoder().decode(TrialConfig.self, from: Data(JSONValue.object(members).canonicalText.utf8))
            } catch let e as ConfigError { fromDecoder = e.message }
            let expected = "config key '\(field.rawValue)': expected \(field.spec.expected)"
            #expect(fromJSON?.hasPrefix(expected) == true, "\(fromJSON ?? "accepted")")
            #expect(fromDecoder == expected, "\(fromDecoder ?? "accepted")")
        }
    }

    @Test func unknownAndMissingKeysAreRefusedWithASuggestion() {
        var members = TrialConfig().jsonObject
        members["widht"] = .integer(3)
        #expect(throws: ConfigError("unknown config key 'widht' (did you mean 'width'?)")) { try TrialConfig(json: members) }
        members = TrialConfig().jsonObject
        members["lr"] = nil
        #expect(throws: ConfigError("missing required config key 'lr'")) { try TrialConfig(json: members) }
    }

    /// docs/spec-format.md and docs/result-format.md embed the generated
    /// tables; `OVERSWEEP_UPDATE_DOCS=1 swift test --filter ContractDocs` rewrites them.
    @Test(arguments: [("docs/spec-format.md", "config-fields", ContractReference.configFields),
                      ("docs/result-format.md", "metrics", ContractReference.metrics)])
    func contractDocsAreCurrent(file: String, section: String, table: String) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let url = root.appendingPathComponent(file)
        let text = try String(contentsOf: url, encoding: .utf8)
        let begin = "<!-- \(section): generated from the contract module; do not edit -->\n", end = "<!-- \(section): end -->"
        let start = try #require(text.range(of: begin), "\(file) lacks the \(section) section")
        let stop = try #require(text.range(of: end, range: start.upperBound..<text.endIndex))
        let current = String(text[start.upperBound..<stop.lowerBound])
        if ProcessInfo.processInfo.environment["OVERSWEEP_UPDATE_DOCS"] == "1" && current != table {
            try (text[..<start.upperBound] + table + text[stop.lowerBound...]).write(to: url, atomically: true, encoding: .utf8)
            return
        }
        #expect(current == table, "\(file) is out of date: run OVERSWEEP_UPDATE_DOCS=1 swift test --filter contractDocsAreCurrent")
    }
}
