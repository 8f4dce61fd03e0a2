import Foundation
import Store
import Sweep
#if canImport(Glibc)
import Glibc
#endif

/// Where the coordinator records finished trials.
///
/// Implementations guarantee: `append` records a trial at most once — it
/// returns false and writes nothing when the id is already recorded (by this
/// run or an earlier one); `flush` returns only when every appended record is
/// durable; `isRecorded` covers records appended but not yet flushed.
public protocol ResultSink: AnyObject {
    func isRecorded(_ id: TrialID) -> Bool
    /// Records held, including those from earlier runs of the sweep.
    var recordedCount: Int { get }
    func append(_ record: TrialRecord) throws -> Bool
    func flush() throws
}

/// Records in memory; "durable" means flushed. For tests.
public final class MemoryResultSink: ResultSink {
    public private(set) var records: [TrialRecord] = []
    public private(set) var flushedCount = 0
    private var ids = Set<TrialID>()
    /// Appends attempted with an id already recorded.
    public private(set) var duplicateAppends = 0

    public init(existing: [TrialRecord] = []) {
        for r in existing where ids.insert(r.id).inserted { records.append(r) }
        flushedCount = records.count
    }

    public func isRecorded(_ id: TrialID) -> Bool { ids.contains(id) }
    public var recordedCount: Int { records.count }

    public func append(_ record: TrialRecord) throws -> Bool {
        guard ids.insert(record.id).inserted else {
            duplicateAppends += 1
            return false
        }
        records.append(record)
        return true
    }

    public func flush() throws { flushedCount = records.count }
}

/// A JSON-lines file of `TrialRecord`s, appended and fsync'ed on flush.
/// Stand-in until the Store module's `ResultStore` is wired in; on open it
/// reads the ids already present and sets aside a torn last line.
public final class JSONLinesResultSink: ResultSink {
    private let fd: Int32
    private var ids = Set<TrialID>()
    private var buffer: [UInt8] = []
    private let encoder: JSONEncoder
    public let path: String

    public init(path: String, resume: Bool) throws {
        self.path = path
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let exists = FileManager.default.fileExists(atPath: path)
        if exists && !resume {
            throw CoordinatorError("\(path) already exists; pass --resume to continue that sweep")
        }
        var validLength = 0
        if exists, let data = FileManager.default.contents(atPath: path) {
            struct IDOnly: Decodable { var id: TrialID }
            var offset = 0
            for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                let end = offset + line.count
                // Only lines ending with a newline are complete.
                guard end < data.count else { break }
                if let r = try? JSONDecoder().decode(IDOnly.self, from: Data(line)) { ids.insert(r.id) }
                offset = end + 1
                validLength = offset
            }
        }
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 { throw CoordinatorError("cannot open \(path) for writing: \(String(cString: strerror(errno)))") }
        // A torn last line (crash mid-write) is cut off; its trial simply runs again.
        if ftruncate(fd, off_t(validLength)) != 0 || lseek(fd, 0, SEEK_END) < 0 {
            throw CoordinatorError("cannot prepare \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(fd) }

    public func isRecorded(_ id: TrialID) -> Bool { ids.contains(id) }
    public var recordedCount: Int { ids.count }

    public func append(_ record: TrialRecord) throws -> Bool {
        guard ids.insert(record.id).inserted else { return false }
        buffer.append(contentsOf: try encoder.encode(record))
        buffer.append(UInt8(ascii: "\n"))
        return true
    }

    public func flush() throws {
        var written = 0
        while written < buffer.count {
            let n = buffer[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw CoordinatorError("writing \(path): \(String(cString: strerror(errno)))")
            }
            written += n
        }
        buffer.removeAll(keepingCapacity: true)
        if fsync(fd) != 0 { throw CoordinatorError("fsync \(path): \(String(cString: strerror(errno)))") }
    }
}
