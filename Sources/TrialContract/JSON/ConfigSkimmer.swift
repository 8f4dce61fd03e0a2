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
        let keyBytes = r.bytes(key), valueBytes = r.bytes(value)
        // FNV-1a over key, a separator, value.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for c in keyBytes { h = (h ^ UInt64(c)) &* 0x100_0000_01b3 }
        h = (h ^ 0x3A) &* 0x100_0000_01b3
        for c in valueBytes { h = (h ^ UInt64(c)) &* 0x100_0000_01b3 }
        let n = keyBytes.count
        if let bucket = memo[h] {
            for e in bucket where e.text.count == n + 1 + valueBytes.count
                && e.text[0..<n].elementsEqual(keyBytes) && e.text[(n + 1)...].elementsEqual(valueBytes) {
                return (e.field, e.value)
            }
        }
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
        if remembered < Self.memoLimit {
            memo[h, default: []].append((Array(keyBytes) + [0x3A] + Array(valueBytes), field, kept))
            remembered += 1
        }
        return (field, kept)
    }
}
