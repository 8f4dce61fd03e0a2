/// The Training module's one error type: a code to branch on and a message
/// a user can act on (printed as one line by the CLI).
public struct TrainingError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        case invalidConfig = "invalid config"
        case invalidData = "invalid data"
        case shapeMismatch = "shape mismatch"
        case io = "i/o"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
