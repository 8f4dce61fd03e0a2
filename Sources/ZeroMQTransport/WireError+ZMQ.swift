import CZeroMQ
import Wire

extension WireError {
    /// The error libzmq just reported for `operation`.
    static func zmq(_ operation: String) -> WireError {
        let number = zmq_errno()
        let text = String(cString: zmq_strerror(number))
        return WireError(.zmq, "\(operation): \(text)", errno: number)
    }
}
