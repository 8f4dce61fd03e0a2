import CZeroMQ
import Foundation

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
        try CurveKeys.check(secret, what: "secret key")
        var pub = [CChar](repeating: 0, count: 41)
        if zmq_curve_public(&pub, secret) != 0 { throw WireError(.keys, "not a valid CURVE secret key") }
        return zString(pub)
    }
}

/// Reading keys from files (keys never travel on a command line).
public enum CurveKeys {
    static let z85Alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")

    static func check(_ key: String, what: String) throws {
        guard key.count == 40, key.allSatisfy({ z85Alphabet.contains($0) }) else {
            throw WireError(.keys, "\(what) is not a 40-character Z85 CURVE key")
        }
    }

    /// Keys in a file: one per line; blank lines and `#` comments ignored.
    public static func read(_ path: String) throws -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw WireError(.keys, "cannot read key file \(path)")
        }
        var keys: [String] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let key = String(line.split(separator: " ").first ?? "")
            do { try check(key, what: "\(path):\(n + 1)") } catch let e as WireError { throw e }
            keys.append(key)
        }
        return keys
    }

    /// The single key in a file (a `.key` or `.pub` file from `oversweep keygen`).
    public static func readOne(_ path: String) throws -> String {
        let keys = try read(path)
        guard keys.count == 1, let key = keys.first else {
            throw WireError(.keys, "\(path) must hold exactly one key (found \(keys.count))")
        }
        return key
    }
}

/// CURVE settings of a link.
public enum CurveSetup: Sendable {
    /// Coordinator: its secret key, and the worker public keys it accepts.
    case server(secretKey: String, allowedClients: Set<String>)
    /// Worker: its own key pair and the coordinator's public key.
    case client(keys: CurveKeyPair, serverKey: String)
}

/// A NUL-terminated C buffer as a String.
func zString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
