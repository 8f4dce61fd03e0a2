import SafeFiles
import Foundation
import TrialContract

/// `data: file`: a CSV (numbers separated by commas, optional header line) or
/// an .npy 2-D array; features then the label in the last column. Rows are
/// normalised to the unit sphere like the generated data, then split by a
/// shuffle from the "data/split" stream: the first ⌈(1−test_fraction)·n⌉
/// shuffled rows train. n_train and n_test are ignored (the file decides).
/// Labels: cross_entropy wants class indices 0…k−1; logistic, exponential and
/// hinge want ±1 (0/1 are mapped to −1/+1); square loss treats them as real
/// regression targets (NMSE reported).
enum DataFile {
    /// The largest data file read (CSV or .npy), checked from its size before reading.
    static let maxBytes = 1 << 30

    static func load(_ config: TrialConfig) throws -> DataSplit {
        let path = config.dataFile ?? ""
        let bytes: [UInt8]
        switch RegularFile.contents(path, maxBytes: maxBytes) {
        case .success(let b): bytes = b
        case .failure(let f): throw TrainingError(.io, "data_file \(path): cannot read it (\(f.reason))")
        }
        let (rows, columns, values): (Int, Int, [Double])
        do {
            if path.lowercased().hasSuffix(".npy") {
                let (shape, v) = try NPY.decode(bytes)
                guard shape.count == 2 else {
                    throw TrainingError(.invalidData, "expected a 2-D array (rows × features+label), got \(shape.count) dimension\(shape.count == 1 ? "" : "s")")
                }
                (rows, columns, values) = (shape[0], shape[1], v)
            } else {
                (rows, columns, values) = try parseCSV(bytes)
            }
        } catch let e as TrainingError {
            throw TrainingError(e.code, "data_file \(path): \(e.message)")
        }
        guard columns >= 2, rows >= 2 else {
            throw TrainingError(.invalidData, "data_file \(path): need at least 2 rows and 2 columns (features…, label), got \(rows)×\(columns)")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw TrainingError(.invalidData, "data_file \(path): row \(bad / columns + 1), column \(bad % columns + 1): not a finite number")
        }
        let dim = columns - 1
        var x = [Double](), y = [Double]()
        x.reserveCapacity(rows * dim)
        for i in 0..<rows {
            x.append(contentsOf: values[(i * columns)..<(i * columns + dim)])
            y.append(values[i * columns + dim])
        }
        let regression = config.loss == .square
        for (i, label) in y.enumerated() {
            switch config.loss {
            case .crossEntropy:
                guard label == label.rounded(), label >= 0, label < Double(config.outputs) else {
                    throw TrainingError(.invalidData, "data_file \(path): row \(i + 1), column \(columns) (label): not a class 0…\(config.outputs - 1)")
                }
            case .square:
                break
            default:
                guard label == 1 || label == -1 || label == 0 else {
                    throw TrainingError(.invalidData, "data_file \(path): row \(i + 1), column \(columns) (label): not ±1 (or 0/1) as \(config.loss.rawValue) loss needs")
                }
                y[i] = label == 0 ? -1 : label
            }
        }
        var all = Dataset(x: x, y: y, dim: dim)
        all.normalizeRows()
        var order = Array(0..<rows)
        var rng = RandomStream(seed: config.seed, purpose: "data/split")
        order.shuffle(using: &rng)
        let nTrain = max(1, Int((Double(rows) * (1 - config.testFraction)).rounded(.up)))
        return DataSplit(train: all.rows(Array(order[..<nTrain])), test: all.rows(Array(order[nTrain...])),
                         isRegression: regression)
    }

    static func parseCSV(_ bytes: [UInt8]) throws -> (Int, Int, [Double]) {
        let text = String(decoding: bytes, as: UTF8.self)
        var values = [Double](), columns = -1, rows = 0
        for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            let numbers = fields.map { Double($0) }
            if let bad = numbers.firstIndex(where: { $0 == nil }) {
                if rows == 0 && columns < 0 { columns = fields.count; continue }  // a header line
                // Position and kind only: the text may be anything a worker can read.
                throw TrainingError(.invalidData, "line \(n + 1), column \(bad + 1): not a number")
            }
            if columns >= 0 && fields.count != columns {
                throw TrainingError(.invalidData, "line \(n + 1): \(fields.count) fields, expected \(columns)")
            }
            columns = fields.count
            values += numbers.compactMap { $0 }
            rows += 1
        }
        return (rows, max(columns, 0), values)
    }
}
