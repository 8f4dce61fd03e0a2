import CZeroMQ
import Wire

/// A libzmq context. Contexts are thread-safe in libzmq, so this one is
/// Sendable; sockets made from it are not.
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    public init() throws {
        guard let handle = zmq_ctx_new() else { throw WireError.zmq("zmq_ctx_new") }
        self.handle = handle
    }

    deinit {
        // Every socket sets LINGER 0, so termination cannot hang on unsent messages.
        zmq_ctx_term(handle)
    }
}
