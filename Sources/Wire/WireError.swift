/// The error type of the wire layer (protocol and transports): what failed,
/// a message a user can act on, and the errno underneath when there is one.
public struct WireError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        /// A libzmq call failed (ZeroMQTransport).
        case zmq
        /// A message could not be decoded (bad header, bad JSON, unknown kind).
        case malformed
        /// A peer speaks another protocol version.
        case version
        /// A CURVE key file is missing or malformed.
        case keys
    }

    public var code: Code
    public var message: String
    /// errno reported by libzmq, if the error came from it.
    public var errno: Int32?

    public init(_ code: Code, _ message: String, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    public var description: String { message }
}
