import Foundation

/// Axis ranges and tick positions ("nice" numbers: 1, 2, 5 × 10^k). The
/// domain is the data range padded by a few percent, so no point sits on the frame.
enum Ticks {
    static let padding = 0.04

    /// A step of 1, 2 or 5 × 10^k giving about `target` intervals over `span`.
    static func niceStep(span: Double, target: Int) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / Double(max(1, target))
        let magnitude = pow(10, floor(log10(raw)))
        let fraction = raw / magnitude
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return nice * magnitude
    }

    /// `pad` false keeps a bound that is exactly zero (bars grow from it).
    static func linear(min lo: Double, max hi: Double, target: Int = 5, pad: Bool = true) -> (domain: ClosedRange<Double>, ticks: [Double]) {
        var lo = lo, hi = hi
        // Data that is never negative (an error, a loss) gets no negative axis.
        let nonNegative = lo >= 0
        if hi - lo <= Swift.max(abs(hi), abs(lo)) * 1e-12 {
            if lo == 0 {
                hi = 1  // all zero (an error that reached 0): 0 to 1
            } else {
                let spread = abs(lo) * 0.1
                lo -= spread
                hi += spread
                if nonNegative { lo = Swift.max(lo, 0) }
            }
        }
        let span = hi - lo
        if pad {
            if lo != 0 { lo = nonNegative ? Swift.max(0, lo - span * padding) : lo - span * padding }
            if hi != 0 { hi += span * padding }
        }
        let step = niceStep(span: hi - lo, target: target)
        var ticks: [Double] = []
        var k = ceil(lo / step - 1e-9)
        while k * step <= hi + step * 1e-9 && ticks.count < 100 {
            let t = k * step
            // Snap -0 and values like 0.30000000000000004 to what they mean.
            ticks.append(abs(t) < step * 1e-9 ? 0 : (t / step).rounded() * step)
            k += 1
        }
        return (lo...hi, ticks)
    }

    /// Log axis over positive values: decades (every few decades for a wide
    /// range, with 2 and 5 added for a short one); inside one decade, linear ticks.
    static func log(min lo: Double, max hi: Double) -> (domain: ClosedRange<Double>, ticks: [Double]) {
        var a = log10(lo), b = log10(hi)
        if b - a < 1e-9 {
            a -= 0.5
            b += 0.5
        }
        let pad = (b - a) * padding
        a -= pad
        b += pad
        let domain = pow(10, a)...pow(10, b)
        let first = ceil(a - 1e-9), last = floor(b + 1e-9)
        if last - first > 8 {
            let stride = ceil((last - first) / 8)
            let ticks = Swift.stride(from: ceil(first / stride) * stride, through: last, by: stride).map { pow(10, $0) }
            return (domain, ticks)
        }
        // Short ranges: 1-2-5 in each decade, or every integer mantissa when that gives too few.
        var ticks: [Double] = []
        let choices: [[Double]] = last - first >= 3 ? [[1]] : [[1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]
        for mantissas in choices {
            ticks = Swift.stride(from: floor(a), through: ceil(b), by: 1).flatMap { e in mantissas.map { m in m * pow(10, e) } }
                .filter { domain.contains($0) }
            if ticks.count >= 3 { break }
        }
        if ticks.count < 2 {
            ticks = linear(min: domain.lowerBound, max: domain.upperBound, target: 5, pad: false).ticks.filter { $0 > 0 }
        }
        return (domain, ticks.filter { domain.contains($0) }.sorted())
    }
}
