/// The Coordinator module's error: a message a user can act on.
public struct CoordinatorError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
