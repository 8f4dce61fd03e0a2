import Foundation
import Sweep
import TestSupport
import TrialContract
@testable import Store

/// The committed fixture files of this target.
let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// Writes a store file with `count` synthetic records and returns its path.
func makeStoreFile(in dir: URL, name: String = "results.jsonl", count: Int, prefix: String = "t",
                   header: StoreHeader = SyntheticRecords.header()) throws -> String {
    let path = dir.appendingPathComponent(name).path
    let store = try ResultStore.open(path: path, creating: header)
    for i in 0..<count { try store.append(SyntheticRecords.make(index: i, prefix: prefix)) }
    try store.close()
    return path
}
