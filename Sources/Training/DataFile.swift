import DataTable
import Foundation
import TrialContract

/// `data: file`: a CSV (numbers separated by commas, optional header line) or
/// an .npy 2-D array; features then the label in the last column (read by
/// `DataTable`, which the planner uses too). Rows are normalised to the unit
/// sphere like the generated data, then split by a shuffle from the
/// "data/split" stream: the first ⌈(1−test_fraction)·n⌉ shuffled rows train.
/// n_train and n_test are ignored (the file decides). Labels: cross_entropy
/// wants class indices 0…k−1; logistic, exponential and hinge want ±1 (0/1
/// are mapped to −1/+1); square loss treats them as real regression targets
/// (NMSE reported).
enum DataFile {
    static func load(_ config: TrialConfig) throws -> DataSplit {
        let path = config.dataFile ?? ""
        let contents: DataFileContents
        do {
            contents = try DataFileContents.read(path)
        } catch {
            throw error.unreadable ? TrainingError(.io, "data_file \(path): cannot read it (\(error.message))")
                                   : TrainingError(.invalidData, "data_file \(path): \(error.message)")
        }
        try checkDigest(contents.sha256, of: config)
        let table = contents.table
        let y: [Double]
        do {
            y = try table.labels(loss: config.loss, outputs: config.outputs)
        } catch {
            throw TrainingError(.invalidData, "data_file \(path): \(error.message)")
        }
        let dim = table.featureCount
        var x = [Double]()
        x.reserveCapacity(table.rows * dim)
        for i in 0..<table.rows { x.append(contentsOf: table.values[(i * table.columns)..<(i * table.columns + dim)]) }
        var all = Dataset(x: x, y: y, dim: dim)
        all.normalizeRows()
        var order = Array(0..<table.rows)
        var rng = RandomStream(seed: config.seed, purpose: "data/split")
        order.shuffle(using: &rng)
        let nTrain = max(1, Int((Double(table.rows) * (1 - config.testFraction)).rounded(.up)))
        return DataSplit(train: all.rows(Array(order[..<nTrain])), test: all.rows(Array(order[nTrain...])),
                         isRegression: config.loss == .square)
    }

    /// A trial planned with a `data_digest` trains only on a file with those
    /// bytes: a worker whose copy differs (edited, stale, another file at the
    /// same path) fails the trial, naming the file, this host and both digests.
    static func checkDigest(_ actual: String, of config: TrialConfig) throws {
        guard let planned = config.dataDigest, planned != actual else { return }
        throw TrainingError(.invalidData,
            "data_file \(config.dataFile ?? ""): this host's copy (host \(ProcessInfo.processInfo.hostName)) has sha256 \(actual), "
            + "but the sweep was planned with sha256 \(planned); copy the coordinator's file to this host")
    }

    /// The numbers of a CSV file (`DataTable.parseCSV`).
    static func parseCSV(_ bytes: [UInt8]) throws -> (Int, Int, [Double]) {
        do { return try DataTable.parseCSV(bytes) } catch { throw TrainingError(.invalidData, error.message) }
    }
}
