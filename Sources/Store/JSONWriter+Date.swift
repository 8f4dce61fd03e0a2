import Foundation
import TrialContract

extension JSONWriter {
    /// A time as the result format writes it: an ISO-8601 UTC string (`Timestamp`).
    mutating func date(_ d: Date) {
        value { bytes in
            bytes.append(UInt8(ascii: "\""))
            Timestamp.append(d, to: &bytes)
            bytes.append(UInt8(ascii: "\""))
        }
    }
}
