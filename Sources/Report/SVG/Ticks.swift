import Foundation

/// Axis ranges and tick positions ("nice" numbers: 1, 2, 5 × 10^k).
enum Ticks {
    /// A step of 1, 2 or 5 × 10^k giving about `target` intervals over `span`.
    static func niceStep(span: Double, target: Int) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / Double(max(1, target))
        let magnitude = pow(10, floor(log10(raw)))
        let fraction = raw / magnitude
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return nice * magnitude
    }

    /// Domain widened to whole steps, and the ticks inside it.
    static func linear(min lo: Double, max hi: Double, target: Int = 5) -> (domain: ClosedRange<Double>, ticks: [Double]) {
        var lo = lo, hi = hi
        if hi - lo <= abs(hi) * 1e-12 {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad
            hi += pad
        }
        let step = niceStep(span: hi - lo, target: target)
        let first = floor(lo / step) * step
        let last = ceil(hi / step) * step
        var ticks: [Double] = []
        var k = 0
        while true {
            let t = first + Double(k) * step
            if t > last + step * 1e-9 || k > 100 { break }
            // Snap values like 0.30000000000000004 and -0 to what they mean.
            ticks.append(abs(t) < step * 1e-9 ? 0 : (t / step).rounded() * step)
            k += 1
        }
        return (first...last, ticks)
    }

    /// Log axis over positive values: whole decades, with 2 and 5 added when
    /// the range is short; a range inside one decade keeps its own bounds.
    static func log(min lo: Double, max hi: Double) -> (domain: ClosedRange<Double>, ticks: [Double]) {
        var a = floor(log10(lo)), b = ceil(log10(hi))
        if b <= a { b = a + 1 }
        if b - a == 1 && hi / lo < 5 {
            // Inside one decade: linear ticks look better than two labels.
            let lin = linear(min: lo, max: hi, target: 4)
            let ticks = lin.ticks.filter { $0 > 0 }
            if let f = ticks.first, let l = ticks.last, l > f {
                return (f...l, ticks)
            }
        }
        if b - a > 8 {
            let stride = ceil((b - a) / 8)
            a = floor(a / stride) * stride
            b = ceil(b / stride) * stride
            return (pow(10, a)...pow(10, b), Swift.stride(from: a, through: b, by: stride).map { pow(10, $0) })
        }
        var ticks: [Double] = []
        for e in Swift.stride(from: a, through: b, by: 1) {
            let p = pow(10, e)
            ticks.append(p)
            if b - a <= 2 && e < b { ticks += [2 * p, 5 * p] }
        }
        return (pow(10, a)...pow(10, b), ticks)
    }
}
