import Foundation
import TrialContract

/// `oversweep filter`: a subset of a result file chosen by conditions on the
/// records, written as a valid result file (header, spec revisions, the kept
/// records re-encoded with their checksums), so a user never needs `jq` (whose
/// output fails the checksums) to select trials.
public enum ResultFilter {
    /// One condition, `KEY OP VALUE`: `width>=128`, `metrics.test_error<0.05`,
    /// `status=ok`, `activation!=relu`. All conditions must hold.
    public struct Condition: Sendable, Equatable, CustomStringConvertible {
        public enum Op: String, Sendable, CaseIterable {
            case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
        }

        public enum Key: Sendable, Equatable {
            case record(String)
            case config(TrialConfig.Field)
            case metric(String)
        }

        public var text: String
        public var key: Key
        public var op: Op
        public var value: String
        public var description: String { text }

        /// Members of a record a condition can name directly.
        public static let recordKeys = ["id", "sweep", "status", "message", "worker", "host", "attempt", "steps_run",
                                        "seconds", "build", "blas"]

        /// Parses `KEY OP VALUE`; a bare KEY is a record member, a config field
        /// or else a metric (`config.` and `metrics.` prefixes say which).
        public init(_ text: String) throws(StoreError) {
            func fail(_ why: String) -> StoreError { StoreError(.invalidRecord, path: "", "condition '\(text)': \(why)") }
            // The longest operator at the first position where one starts.
            guard let start = text.firstIndex(where: { "=!<>".contains($0) }) else {
                throw fail("expected KEY OP VALUE with OP one of =, !=, <, <=, >, >= (e.g. width>=128, status=ok)")
            }
            let rest = text[start...]
            guard let op = Op.allCases.sorted(by: { $0.rawValue.count > $1.rawValue.count }).first(where: { rest.hasPrefix($0.rawValue) })
                ?? (rest.hasPrefix("==") ? .equal : nil) else {
                throw fail("expected an operator =, !=, <, <=, > or >= after the key")
            }
            let opLength = rest.hasPrefix("==") ? 2 : op.rawValue.count
            let name = text[..<start].trimmingCharacters(in: .whitespaces)
            let value = rest.dropFirst(opLength).trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { throw fail("no key before the operator") }
            self.text = text
            self.op = op
            self.value = value
            if name.hasPrefix("config.") {
                let field = String(name.dropFirst("config.".count))
                guard let f = TrialConfig.Field(rawValue: field) else { throw fail("'\(field)' is not a config field") }
                key = .config(f)
            } else if name.hasPrefix("metrics.") {
                key = .metric(String(name.dropFirst("metrics.".count)))
            } else if Self.recordKeys.contains(name) {
                key = .record(name)
            } else if let f = TrialConfig.Field(rawValue: name) {
                key = .config(f)
            } else {
                key = .metric(name)
            }
            if op != .equal && op != .notEqual && Double(value) == nil {
                throw fail("\(op.rawValue) compares numbers; '\(value)' is not one")
            }
        }

        /// Whether the record satisfies the condition; a value the record does
        /// not have (an absent metric, an unset optional field) satisfies none.
        public func matches(_ r: TrialRecord) -> Bool {
            guard let actual = Self.value(of: key, in: r) else { return false }
            if let a = actual.number, let b = Double(value) {
                switch op {
                case .equal: return a == b
                case .notEqual: return a != b
                case .less: return a < b
                case .lessOrEqual: return a <= b
                case .greater: return a > b
                case .greaterOrEqual: return a >= b
                }
            }
            switch op {
            case .equal: return actual.text == value
            case .notEqual: return actual.text != value
            default: return false
            }
        }

        static func value(of key: Key, in r: TrialRecord) -> (text: String, number: Double?)? {
            switch key {
            case .metric(let name):
                return r.result.metrics[name].map { ("\($0)", $0) }
            case .config(let field):
                guard let v = r.config.json(field) else { return nil }
                return (v.display, v.doubleValue)
            case .record(let name):
                let text: String?
                switch name {
                case "id": text = r.id.rawValue
                case "sweep": text = r.sweep
                case "status": text = r.result.status.rawValue
                case "message": text = r.result.message
                case "worker": text = r.worker
                case "host": text = r.host
                case "attempt": return ("\(r.attempt)", Double(r.attempt))
                case "steps_run": return ("\(r.result.stepsRun)", Double(r.result.stepsRun))
                case "seconds": return ("\(r.result.timing.seconds)", r.result.timing.seconds)
                case "build": text = r.build
                default: text = r.blas
                }
                return text.map { ($0, nil) }
            }
        }
    }

    public struct Summary: Sendable {
        public var read = 0
        public var kept = 0
        public var problems: [LineProblem] = []
        public var unverifiedLines = 0
    }

    /// Reads `input`, keeps the records every condition holds for, and writes
    /// them with the input's header and spec revisions to `output` (`-`:
    /// stdout). A bare key that is neither a record member, a config field
    /// nor a metric any record has is refused (a typo would select nothing).
    public static func filter(_ input: String, into output: String, conditions: [Condition],
                              options: ReadOptions = .strict) throws -> Summary {
        let file = try ResultFile.load(path: input, options: options)
        guard !file.headerless else {
            throw StoreError(.notAResultFile, path: input,
                             "has no header line, so the output would not say what sweep it holds; filter the original file instead")
        }
        if file.records.isEmpty && !file.problems.isEmpty {
            throw StoreError(.corruptLine, path: "", ResultFile.noReadableLines(file.problems, path: input))
        }
        let metricNames = Set(file.records.flatMap(\.result.metrics.keys))
        for c in conditions {
            if case .metric(let name) = c.key, !metricNames.contains(name), !c.text.hasPrefix("metrics.") {
                let known = Condition.recordKeys + TrialConfig.Field.allCases.map(\.rawValue) + metricNames.sorted()
                let hint = Suggest.closest(to: name, among: known).map { " (did you mean '\($0)'?)" } ?? ""
                throw StoreError(.invalidRecord, path: input,
                                 "condition '\(c.text)': '\(name)' is not a record member, config field or metric of this file\(hint)")
            }
        }
        let kept = file.records.filter { r in conditions.allSatisfy { $0.matches(r) } }
        var chunks: [[UInt8]] = [LineCodec.encode(file.header)] + file.revisions.dropFirst().map { LineCodec.encode($0) }
        for r in kept { chunks.append(try LineCodec.encode(r, path: output, formatVersion: file.header.formatVersion)) }
        try OutputTarget.write(output, chunks: chunks)
        return Summary(read: file.records.count, kept: kept.count, problems: file.problems, unverifiedLines: file.unverifiedLines)
    }
}
