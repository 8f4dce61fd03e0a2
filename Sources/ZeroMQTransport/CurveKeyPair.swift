import CZeroMQ
import Wire

/// CURVE keys in Z85 text (40 characters for 32 bytes), as libzmq takes them.
public struct CurveKeyPair: Sendable, Equatable {
    public var publicKey: String
    public var secretKey: String

    public init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// A fresh key pair from libzmq (libsodium underneath).
    public static func generate() throws -> CurveKeyPair {
        var pub = [CChar](repeating: 0, count: 41)
        var sec = [CChar](repeating: 0, count: 41)
        if zmq_curve_keypair(&pub, &sec) != 0 { throw WireError.zmq("zmq_curve_keypair (CURVE unavailable?)") }
        return CurveKeyPair(publicKey: zString(pub), secretKey: zString(sec))
    }

    /// The public key that belongs to a secret key.
    public static func publicKey(forSecret secret: String) throws -> String {
        try check(secret, what: "secret key")
        var pub = [CChar](repeating: 0, count: 41)
        if zmq_curve_public(&pub, secret) != 0 { throw WireError(.keys, "not a valid CURVE secret key") }
        return zString(pub)
    }

    static let z85Alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")

    /// Throws `.keys` naming `what` unless `key` is 40 characters of Z85.
    static func check(_ key: String, what: String) throws {
        guard key.count == 40, key.allSatisfy({ z85Alphabet.contains($0) }) else {
            throw WireError(.keys, "\(what) is not a 40-character Z85 CURVE key")
        }
    }
}

/// A NUL-terminated C buffer as a String.
func zString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
