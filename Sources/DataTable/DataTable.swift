import Crypto
import Foundation
import SafeFiles
import TrialContract

/// A user's data file (`data: file`) as numbers: a CSV (comma-separated
/// numbers, an optional header line, `#` comments) or a 2-D .npy array, one
/// row per sample, features then the label in the last column. Read by the
/// planner (to refuse a bad file, fingerprint it and size the trials) and by
/// the training core (to train on it), so both see the same rows and the
/// same problems.
public struct DataTable: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    /// Row-major, `rows × columns`, every value finite.
    public let values: [Double]

    /// The largest data file read (CSV or .npy), checked from its size before reading.
    public static let maxBytes = 1 << 30

    /// Parses the bytes of a data file; `.npy` by name, CSV otherwise. Throws
    /// a one-line reason that never repeats the file's contents.
    public static func parse(_ bytes: [UInt8], path: String) throws(DataTableError) -> DataTable {
        let (rows, columns, values): (Int, Int, [Double])
        if path.lowercased().hasSuffix(".npy") {
            let (shape, v) = try NPYReader.decode(bytes)
            guard shape.count == 2 else {
                throw DataTableError("expected a 2-D array (rows × features+label), got \(shape.count) dimension\(shape.count == 1 ? "" : "s")")
            }
            (rows, columns, values) = (shape[0], shape[1], v)
        } else {
            (rows, columns, values) = try parseCSV(bytes)
        }
        guard columns >= 2, rows >= 2 else {
            throw DataTableError("need at least 2 rows and 2 columns (features…, label), got \(rows)×\(columns)")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw DataTableError("row \(bad / columns + 1), column \(bad % columns + 1): not a finite number")
        }
        return DataTable(rows: rows, columns: columns, values: values)
    }

    /// Numbers of a CSV file: (rows, columns, row-major values). A first line
    /// that is not all numbers is a header; blank lines and `#` lines are skipped.
    public static func parseCSV(_ bytes: [UInt8]) throws(DataTableError) -> (Int, Int, [Double]) {
        let text = String(decoding: bytes, as: UTF8.self)
        var values = [Double](), columns = -1, rows = 0
        for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let numbers = fields.map { Double($0) }
            if let bad = numbers.firstIndex(where: { $0 == nil }) {
                if rows == 0 && columns < 0 { columns = fields.count; continue }  // a header line
                // Position and kind only: the text may be anything a worker can read.
                throw DataTableError("line \(n + 1), column \(bad + 1): not a number")
            }
            if columns >= 0 && fields.count != columns {
                throw DataTableError("line \(n + 1): \(fields.count) fields, expected \(columns)")
            }
            columns = fields.count
            values += numbers.compactMap { $0 }
            rows += 1
        }
        return (rows, max(columns, 0), values)
    }

    /// The last column, as written.
    public var rawLabels: [Double] { (0..<rows).map { values[$0 * columns + columns - 1] } }

    /// The labels as training under `loss` with `outputs` outputs uses them
    /// (`DataTable.labels(_:column:loss:outputs:)`).
    public func labels(loss: LossKind, outputs: Int) throws(DataTableError) -> [Double] {
        try Self.labels(rawLabels, column: columns, loss: loss, outputs: outputs)
    }

    /// Labels (the last column, `column` its 1-based number, for messages) as
    /// training uses them: class indices 0…k−1 for cross_entropy, ±1 for the
    /// margin losses (0/1 mapped to −1/+1), real targets for square loss.
    public static func labels(_ raw: [Double], column: Int, loss: LossKind, outputs: Int) throws(DataTableError) -> [Double] {
        var y = [Double]()
        y.reserveCapacity(raw.count)
        for (i, label) in raw.enumerated() {
            switch loss {
            case .crossEntropy:
                guard label == label.rounded(), label >= 0, label < Double(outputs) else {
                    throw DataTableError("row \(i + 1), column \(column) (label): not a class 0…\(outputs - 1)")
                }
                y.append(label)
            case .square:
                y.append(label)
            default:
                guard label == 1 || label == -1 || label == 0 else {
                    throw DataTableError("row \(i + 1), column \(column) (label): not ±1 (or 0/1) as \(loss.rawValue) loss needs")
                }
                y.append(label == 0 ? -1 : label)
            }
        }
        return y
    }

    /// Feature columns (all but the label).
    public var featureCount: Int { columns - 1 }
}

/// A data file read whole: its bytes' SHA-256 and its table.
public struct DataFileContents: Sendable {
    /// Lower-case hex SHA-256 of the file's bytes: what a trial's identity covers.
    public let sha256: String
    public let table: DataTable

    /// Reads a regular file of at most `DataTable.maxBytes` bytes, fingerprints and parses it.
    public static func read(_ path: String) throws(DataTableError) -> DataFileContents {
        let bytes: [UInt8]
        switch RegularFile.contents(path, maxBytes: DataTable.maxBytes) {
        case .success(let b): bytes = b
        case .failure(let f): throw DataTableError(f.reason, unreadable: true)
        }
        return DataFileContents(sha256: ContentDigest.sha256(bytes), table: try DataTable.parse(bytes, path: path))
    }

    public init(sha256: String, table: DataTable) {
        self.sha256 = sha256
        self.table = table
    }
}

/// SHA-256 of bytes, as lower-case hex.
public enum ContentDigest {
    public static func sha256(_ bytes: [UInt8]) -> String {
        var out = ""
        out.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return out
    }

    private static let hex: [Character] = Array("0123456789abcdef")
}

/// Why a data file cannot be used: one line, without the file's contents.
public struct DataTableError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    /// The file could not be read at all (missing, not a regular file, too large).
    public let unreadable: Bool

    public init(_ message: String, unreadable: Bool = false) {
        self.message = message
        self.unreadable = unreadable
    }

    public var description: String { message }
}
