/// The Sweep module's one error: a problem with a spec, said in one line as
/// `FILE:LINE: path.to.key: problem`, so an editor can jump to it.
public struct SweepError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        /// The file cannot be read.
        case io
        /// Not well-formed YAML.
        case yaml
        /// Well-formed YAML that is not a valid spec (key, type, value, structure).
        case spec
        /// A grid point whose config the training core would refuse.
        case invalidTrial
        /// The grid is larger than the configured limit.
        case tooLarge
        /// A data file (`data_file`) is missing, unreadable, malformed or unsuited to a trial.
        case dataFile
    }

    public let code: Code
    /// The spec file as the user named it.
    public let file: String
    /// 1-based line in the file, when known.
    public let line: Int?
    /// Dotted path of the key in the spec (`grid.when[0].alpha`), "" for the whole file.
    public let path: String
    public let problem: String

    public init(_ code: Code, file: String, line: Int?, path: String, _ problem: String) {
        self.code = code
        self.file = file
        self.line = line
        self.path = path
        self.problem = problem
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        s += ": "
        if !path.isEmpty { s += path + ": " }
        // One line, whatever the cause said.
        return s + problem.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
