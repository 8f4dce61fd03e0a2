import Foundation

/// ISO-8601 UTC timestamps with nanosecond digits ("2026-11-23T17:38:12.123456789Z"),
/// computed with integer calendar arithmetic from `timeIntervalSinceReferenceDate`
/// so that a `Date` survives write → read bit for bit (for dates after ~2001-08,
/// where a Double's resolution is coarser than a nanosecond). Foundation's
/// formatter keeps only milliseconds, which would make records compare unequal.
public enum Timestamp {
    /// Seconds from 1970-01-01 to 2001-01-01 (Foundation's reference date).
    static let referenceOffset: Int64 = 978_307_200

    public static func format(_ date: Date) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(30)
        append(date, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func append(_ date: Date, to out: inout [UInt8]) {
        let t = date.timeIntervalSinceReferenceDate
        guard t.isFinite, abs(t) < 1e15 else { return append(Date(timeIntervalSinceReferenceDate: 0), to: &out) }
        var whole = t.rounded(.down)
        var nanos = Int64(((t - whole) * 1e9).rounded())
        if nanos >= 1_000_000_000 { nanos -= 1_000_000_000; whole += 1 }
        let unix = Int64(whole) + referenceOffset
        let days = unix >= 0 ? unix / 86_400 : (unix - 86_399) / 86_400
        let secOfDay = unix - days * 86_400
        let (y, m, d) = civil(fromDays: days)
        func digits(_ v: Int64, _ width: Int) {
            // Appended in place, most significant first (no temporary array: two dates per record).
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            var v = v
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: v / divisor))
                v %= divisor
                divisor /= 10
            }
        }
        if y < 0 || y > 9999 { out.append(contentsOf: Array("0000".utf8)) } else { digits(y, 4) }
        out.append(UInt8(ascii: "-")); digits(m, 2)
        out.append(UInt8(ascii: "-")); digits(d, 2)
        out.append(UInt8(ascii: "T")); digits(secOfDay / 3600, 2)
        out.append(UInt8(ascii: ":")); digits(secOfDay / 60 % 60, 2)
        out.append(UInt8(ascii: ":")); digits(secOfDay % 60, 2)
        out.append(UInt8(ascii: ".")); digits(nanos, 9)
        out.append(UInt8(ascii: "Z"))
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (0–9 fraction digits; `+00:00` also accepted).
    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        func num(_ from: Int, _ count: Int) -> Int64? {
            guard from + count <= b.count else { return nil }
            var v: Int64 = 0
            for i in from..<(from + count) {
                guard b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") else { return nil }
                v = v * 10 + Int64(b[i] - UInt8(ascii: "0"))
            }
            return v
        }
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " "),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2),
              let h = num(11, 2), let mi = num(14, 2), let s = num(17, 2),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61
        else { return nil }
        var i = 19
        var nanos: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") {
                if digits < 9 { nanos = nanos * 10 + Int64(b[i] - UInt8(ascii: "0")) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 9) { nanos *= 10 }
        }
        let rest = b[i...]
        guard rest.elementsEqual("Z".utf8) || rest.elementsEqual("+00:00".utf8) else { return nil }
        let unix = days(fromCivil: y, mo, d) * 86_400 + h * 3600 + mi * 60 + s
        return Date(timeIntervalSinceReferenceDate: Double(unix - referenceOffset) + Double(nanos) / 1e9)
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, m, d)
    }
}
