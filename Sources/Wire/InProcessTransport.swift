import Synchronization

/// An in-memory network of one server and any number of clients, for tests
/// of coordinator and worker logic without sockets. Links can be cut: a cut
/// link silently loses messages both ways, like a pulled cable.
public final class InProcessNetwork: Sendable {
    private struct State {
        var clients: [PeerID: AsyncStream<[[UInt8]]>.Continuation] = [:]
        var cut: Set<PeerID> = []
    }

    private let state = Mutex(State())
    private let serverContinuation: AsyncStream<Delivery>.Continuation
    public let server: Server

    public init() {
        let (stream, continuation) = AsyncStream.makeStream(of: Delivery.self)
        serverContinuation = continuation
        server = Server(stream: stream)
        server.attach(self)
    }

    /// A client endpoint with this routing id.
    public func client(_ id: String) -> Client {
        let (stream, continuation) = AsyncStream.makeStream(of: [[UInt8]].self)
        state.withLock { $0.clients[PeerID(id)] = continuation }
        return Client(id: PeerID(id), stream: stream, network: self)
    }

    public func setCut(_ peer: String, _ cut: Bool) {
        state.withLock { s in
            if cut { s.cut.insert(PeerID(peer)) } else { s.cut.remove(PeerID(peer)) }
        }
    }

    fileprivate func toServer(_ frames: [[UInt8]], from peer: PeerID) {
        let cut = state.withLock { $0.cut.contains(peer) }
        if !cut { serverContinuation.yield(Delivery(peer: peer, frames: frames)) }
    }

    fileprivate func toClient(_ frames: [[UInt8]], _ peer: PeerID) {
        let target = state.withLock { s in s.cut.contains(peer) ? nil : s.clients[peer] }
        target?.yield(frames)
    }

    fileprivate func closeServer() {
        serverContinuation.finish()
    }

    fileprivate func closeClient(_ peer: PeerID) {
        let c = state.withLock { $0.clients.removeValue(forKey: peer) }
        c?.finish()
    }

    public final class Server: ServerTransport {
        public let incoming: AsyncStream<Delivery>
        private let owner = Mutex<InProcessNetwork?>(nil)

        init(stream: AsyncStream<Delivery>) { incoming = stream }

        fileprivate func attach(_ n: InProcessNetwork) { owner.withLock { $0 = n } }

        public func send(_ frames: [[UInt8]], to peer: PeerID) {
            owner.withLock { $0 }?.toClient(frames, peer)
        }

        public func close(lingerMs: Int) {
            let n = owner.withLock { o -> InProcessNetwork? in let n = o; o = nil; return n }
            n?.closeServer()
        }
    }

    public final class Client: ClientTransport {
        public let id: PeerID
        public let incoming: AsyncStream<[[UInt8]]>
        private let network: InProcessNetwork

        init(id: PeerID, stream: AsyncStream<[[UInt8]]>, network: InProcessNetwork) {
            self.id = id
            self.incoming = stream
            self.network = network
        }

        public func send(_ frames: [[UInt8]]) { network.toServer(frames, from: id) }
        public func reconnect() {}
        public func close(lingerMs: Int) { network.closeClient(id) }
    }
}
