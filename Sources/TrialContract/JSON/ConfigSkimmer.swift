/// Checks config objects exactly as `TrialConfig.scan` reads them, without
/// building a config: for `oversweep status`, which must reject the same
/// result lines as a full read but cannot afford to convert a million configs.
///
/// A config's members are judged one by one (`scan` has no rule that spans
/// members, apart from "each at most once" and "the required ones present",
/// which are checked here on field indices). A member's text — key and value
/// bytes — is judged once by the field's own reader (`FieldSpec.scan`, the
/// code `scan` runs) and remembered: a sweep repeats the same few values of
/// each field, so most members are then a hash and a compare.
public struct ConfigSkimmer: Sendable {
    /// Member text → field index (or -1 for a member `scan` refuses) and, for
    /// `read`, the index of a config holding the value in `values` (-1: none
    /// kept); bucketed by hash.
    private var memo: [UInt64: [(text: [UInt8], field: Int, value: Int)]] = [:]
    /// Configs each holding one remembered member's value (at most `valueLimit`).
    private var values: [TrialConfig] = []
    static let valueLimit = 1 << 12
    private var remembered = 0
    /// Beyond this many distinct members (a sweep of a million distinct
    /// floats), members are judged each time instead of remembered.
    static let memoLimit = 1 << 16
    private var scratch = TrialConfig()

    public init() {}

    /// True, having moved past it, exactly when `TrialConfig.scan` would read a config here.
    public mutating func skim(_ r: inout JSONScanner) -> Bool {
        var seen = FieldSet()
        let complete = r.objectSkim { r in
            let key = r.lastString
            guard let value = r.skipValue() else { return false }
            let field = judge(r, key: key, value: value)
            return field >= 0 && seen.insert(field)
        }
        return complete && seen.contains(all: FieldSet.required)
    }

    /// `TrialConfig.scan`'s config, read as `skim` judges it: each member's
    /// value is taken from the config it was first read into (a sweep repeats
    /// the same few values of each field), or read again past `valueLimit`.
    public mutating func read(_ r: inout JSONScanner) -> TrialConfig? {
        var config = TrialConfig()
        var seen = FieldSet()
        let complete = r.objectSkim { r in
            let key = r.lastString
            guard let value = r.skipValue() else { return false }
            let (field, kept) = judged(r, key: key, value: value)
            guard field >= 0 && seen.insert(field) else { return false }
            let spec = FieldSpec.table[field]
            withUnsafeMutablePointer(to: &config) { c in
                if kept >= 0 {
                    withUnsafePointer(to: &values[kept]) { spec.copy(c, $0) }
                } else {
                    var sub = JSONScanner(Array(r.bytes(value)))
                    _ = spec.scan(&sub, c)
                }
            }
            return true
        }
        guard complete && seen.contains(all: FieldSet.required) else { return nil }
        return config
    }

    private mutating func judge(_ r: JSONScanner, key: Range<Int>, value: Range<Int>) -> Int { judged(r, key: key, value: value).field }

    private mutating func judged(_ r: JSONScanner, key: Range<Int>, value: Range<Int>) -> (field: Int, value: Int) {
        // The member's text is looked up in place (no copies, no retains: a
        // million configs of fifty members each pass through here).
        let (h, hit) = r.withBytes(key) { k in
            r.withBytes(value) { v -> (UInt64, (field: Int, value: Int)?) in
                var h: UInt64 = 0x243F_6A88_85A3_08D3
                Self.mix(&h, k)
                Self.mix(&h, v)
                guard let bucket = memo[h] else { return (h, nil) }
                for e in bucket where e.text.count == k.count + 1 + v.count {
                    let same = e.text.withUnsafeBufferPointer { t in
                        UnsafeBufferPointer(rebasing: t[..<k.count]).elementsEqual(k) && UnsafeBufferPointer(rebasing: t[(k.count + 1)...]).elementsEqual(v)
                    }
                    if same { return (h, (e.field, e.value)) }
                }
                return (h, nil)
            }
        }
        if let hit { return hit }
        let keyBytes = r.bytes(key), valueBytes = r.bytes(value)
        // Judged as `scan` judges it: a known key whose reader takes exactly this value.
        var field = -1
        if let spec = FieldSpec.byName[String(decoding: keyBytes, as: UTF8.self)] {
            var sub = JSONScanner(Array(valueBytes))
            let read = withUnsafeMutablePointer(to: &scratch) { spec.scan(&sub, $0) }
            if read && sub.atEnd() { field = spec.index }
        }
        var kept = -1
        if field >= 0 && values.count < Self.valueLimit {
            kept = values.count
            values.append(scratch)
        }
        // A bucket stays short even for crafted members that share a hash.
        if remembered < Self.memoLimit && (memo[h]?.count ?? 0) < Self.bucketLimit {
            memo[h, default: []].append((Array(keyBytes) + [0x3A] + Array(valueBytes), field, kept))
            remembered += 1
        }
        return (field, kept)
    }

    static let bucketLimit = 8

    /// Folds `bytes` into `h` eight bytes at a time (a hash for the memo only:
    /// never stored, never compared across processes).
    @inline(__always)
    private static func mix(_ h: inout UInt64, _ bytes: UnsafeBufferPointer<UInt8>) {
        let raw = UnsafeRawBufferPointer(bytes)
        var k = 0
        while k + 8 <= raw.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: k, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 29
            k += 8
        }
        var tail = UInt64(raw.count) << 56
        for j in k..<raw.count { tail |= UInt64(raw[j]) << (8 * UInt64(j - k)) }
        h = (h ^ tail) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
    }
}
