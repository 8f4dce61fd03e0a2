import SafeFiles

/// Where exports and merges write: `OutputFile`'s rules (stdout for `-`,
/// atomic replace of regular files, streams through FIFOs and devices),
/// failures as `StoreError`.
enum OutputTarget {
    static func write(_ path: String, chunks: [[UInt8]]) throws {
        do {
            try OutputFile.write(path, chunks: chunks)
        } catch {
            throw StoreError(.io, path: error.path, error.reason)
        }
    }
}
