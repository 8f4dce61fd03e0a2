import Synchronization

/// Bytes of received messages not yet handled by the coordinator's loop, per
/// peer and in all: the socket thread admits a message only while its
/// sender (and everyone together) is under budget, and the loop releases it
/// once handled. A peer that floods large messages fills its own budget and
/// loses its further messages; it cannot fill the coordinator's memory or
/// queue up seconds of work in front of other peers.
final class IngressBudget: Sendable {
    private struct State {
        var perPeer: [[UInt8]: Int] = [:]
        var total = 0
    }

    let peerLimit: Int
    let totalLimit: Int
    private let state = Mutex(State())

    init(peerLimit: Int, totalLimit: Int) {
        self.peerLimit = peerLimit
        self.totalLimit = totalLimit
    }

    /// Takes `bytes` from the budgets, or returns false (and takes nothing).
    func admit(_ peer: [UInt8], _ bytes: Int) -> Bool {
        state.withLock { s in
            let held = s.perPeer[peer] ?? 0
            // A message is admitted when nothing of its peer waits (and not everyone's budget is
            // spent), so one large legal message always gets through.
            if held > 0 && held + bytes > peerLimit { return false }
            if s.total > 0 && s.total + bytes > totalLimit { return false }
            s.perPeer[peer] = held + bytes
            s.total += bytes
            return true
        }
    }

    func release(_ peer: [UInt8], _ bytes: Int) {
        state.withLock { s in
            let left = (s.perPeer[peer] ?? 0) - bytes
            s.perPeer[peer] = left > 0 ? left : nil
            s.total = max(0, s.total - bytes)
        }
    }

    /// Bytes waiting now (tests).
    var waiting: Int { state.withLock { $0.total } }
}
