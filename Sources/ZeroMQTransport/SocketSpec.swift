/// How to set up the one socket a `ZMQLoop` owns.
public struct SocketSpec: Sendable {
    public enum Role: Sendable {
        /// Coordinator: a ROUTER bound to these endpoints.
        case router(bind: [String])
        /// Worker: a DEALER with an explicit routing id (generated ids repeat
        /// across processes, see docs/protocol.md) connected to one endpoint.
        case dealer(connect: String, routingID: String)
    }

    public var role: Role
    /// ZMTP heartbeats: detect a dead or cut-off peer in ≈ timeout.
    public var heartbeatIntervalMs: Int32 = 500
    public var heartbeatTimeoutMs: Int32 = 1500
    /// Larger incoming messages disconnect their sender (set on the coordinator).
    public var maxMessageSize: Int64?
    public var curve: CurveSetup?
    public var highWaterMark: Int32 = 100_000
    /// Coordinator: bytes of one peer's messages received but not yet
    /// released by the loop that handles them; beyond it the peer's messages
    /// are dropped (it resends what matters). Nil: no limit.
    public var peerBudgetBytes: Int?
    /// Coordinator: the same over all peers together.
    public var totalBudgetBytes: Int = 512 << 20

    public init(role: Role, maxMessageSize: Int64? = nil, curve: CurveSetup? = nil) {
        self.role = role
        self.maxMessageSize = maxMessageSize
        self.curve = curve
    }
}

/// CURVE settings of a link.
public enum CurveSetup: Sendable {
    /// Coordinator: its secret key, and the worker public keys it accepts.
    case server(secretKey: String, allowedClients: Set<String>)
    /// Worker: its own key pair and the coordinator's public key.
    case client(keys: CurveKeyPair, serverKey: String)
}
