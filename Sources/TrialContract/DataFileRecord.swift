/// What a sweep knows about one of its data files (`data: file`), as the
/// planner resolved it: enough to name it in messages, to plan the spec again
/// without the file (trial ids depend on the digest, costs on the shape) and
/// to say in a result file which bytes its trials used.
public struct DataFileRecord: Codable, Sendable, Hashable {
    /// `data_file` as the spec writes it.
    public var written: String
    /// The file actually used: `written` resolved against the spec's directory (absolute).
    public var path: String
    /// Lower-case hex SHA-256 of the file's bytes.
    public var sha256: String
    public var rows: Int
    public var columns: Int

    public init(written: String, path: String, sha256: String, rows: Int, columns: Int) {
        self.written = written
        self.path = path
        self.sha256 = sha256
        self.rows = rows
        self.columns = columns
    }

    /// How messages name it: as written, and where that led when it differs.
    public var shown: String { path == written ? written : "\(written) (\(path))" }
}
