import Foundation
import Synchronization

/// Monotonic time in seconds, injected so lease expiry and heartbeats can be
/// tested without sleeping. `now()` never goes backwards.
public protocol WireClock: Sendable {
    func now() -> Double
    func sleep(seconds: Double) async throws
}

/// The real clock.
public struct SystemClock: WireClock {
    private let origin = ContinuousClock.now
    public init() {}
    public func now() -> Double {
        let d = ContinuousClock.now - origin
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
    public func sleep(seconds: Double) async throws {
        try await Task.sleep(for: .milliseconds(max(1, Int(seconds * 1000))))
    }
}

/// A clock that moves only when told to; `sleep` returns once time has been advanced past its deadline.
public final class ManualClock: WireClock {
    private let state = Mutex<(now: Double, waiters: [(Double, CheckedContinuation<Void, Never>)])>((0, []))
    public init(start: Double = 0) { state.withLock { $0.now = start } }

    public func now() -> Double { state.withLock { $0.now } }

    public func advance(by seconds: Double) {
        let ready = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.now += seconds
            let due = s.waiters.filter { $0.0 <= s.now }.map(\.1)
            s.waiters.removeAll { $0.0 <= s.now }
            return due
        }
        for c in ready { c.resume() }
    }

    public func sleep(seconds: Double) async throws {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { s -> Bool in
                if seconds <= 0 { return true }
                s.waiters.append((s.now + seconds, c))
                return false
            }
            if resumeNow { c.resume() }
        }
    }
}
