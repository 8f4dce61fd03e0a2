/// A config that cannot be read or trained as given: one line naming the field.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { "invalid config: \(message)" }
}
