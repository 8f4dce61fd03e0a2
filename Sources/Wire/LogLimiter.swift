/// A global budget for log lines that other parties can provoke (dropped
/// messages, refused results, refused handshakes): at most `burst` lines per
/// `window` seconds, whoever causes them. Lines over the budget are counted,
/// and the count is reported in one line once the window is over, so a flood
/// of bad input costs a few lines of log, not megabytes.
///
/// Time is passed in (seconds on any monotonic clock). Not thread-safe: each
/// loop owns its own.
public struct LogLimiter: Sendable {
    public let burst: Int
    public let window: Double
    private var windowStart = -Double.infinity
    private var used = 0
    private var suppressed = 0
    /// Lines suppressed since the start.
    public private(set) var totalSuppressed = 0

    public init(burst: Int = 20, window: Double = 10) {
        self.burst = max(1, burst)
        self.window = window
    }

    /// Whether a line may be written now. Call `summary(now:)` first (or
    /// regularly) so the count of what was suppressed comes out in order.
    public mutating func admit(now: Double) -> Bool {
        if now - windowStart >= window {
            windowStart = now
            used = 0
        }
        if used < burst {
            used += 1
            return true
        }
        suppressed += 1
        totalSuppressed += 1
        return false
    }

    /// Once a window with suppressed lines is over: the line that says how
    /// many (then nil until lines are suppressed again).
    public mutating func summary(now: Double) -> String? {
        guard suppressed > 0, now - windowStart >= window else { return nil }
        defer { suppressed = 0 }
        return "\(suppressed) more lines like the above suppressed in the last \(Int(window.rounded())) s (logging of bad input is rate-limited)"
    }
}

/// Text that came from a peer, made safe for one log line: control and
/// non-ASCII bytes escaped, cut to `limit` characters with the full length noted.
public enum LogText {
    public static func clean(_ text: String, limit: Int = 64) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count >= limit {
                return out + "…(\(text.utf8.count) bytes)"
            }
            if scalar.value >= 0x20 && scalar.value < 0x7f && scalar != "\\" {
                out.unicodeScalars.append(scalar)
            } else {
                out += scalar == "\\" ? "\\\\" : "\\u{\(String(scalar.value, radix: 16))}"
            }
            count += 1
        }
        return out
    }
}
