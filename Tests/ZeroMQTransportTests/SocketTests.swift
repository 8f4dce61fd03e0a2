import Foundation
import Logging
import Testing
import Wire
import ZeroMQTransport

/// Real ZeroMQ sockets through the transports (ROUTER/DEALER on loopback TCP).
@Suite struct SocketTests {
    static let logger = Logger(label: "test")

    /// First item of a stream, or nil after `seconds`.
    static func first<T: Sendable>(_ stream: AsyncStream<T>, within seconds: Double) async -> T? {
        await withTaskGroup(of: T?.self) { group in
            group.addTask {
                for await x in stream { return x }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                return nil
            }
            let r = await group.next() ?? nil
            group.cancelAll()
            return r
        }
    }

    static func freeEndpoint() -> String {
        "ipc:///tmp/oversweep-wiretest-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
    }

    @Test func routerAndDealerExchangeMultipartMessages() async throws {
        let ctx = try ZMQContext()
        let endpoint = Self.freeEndpoint()
        defer { unlink(String(endpoint.dropFirst("ipc://".count))) }
        let server = try ZMQServerTransport(context: ctx, spec: SocketSpec(role: .router(bind: [endpoint]), maxMessageSize: 1 << 20), logger: Self.logger)
        let client = try ZMQClientTransport(context: ctx, spec: SocketSpec(role: .dealer(connect: endpoint, routingID: "worker-A")), logger: Self.logger)
        defer { client.close(lingerMs: 0); server.close(lingerMs: 0) }

        let binary: [UInt8] = [0, 255, 10, 0, 13]
        client.send([Array("hello".utf8), binary])
        let d = try #require(await Self.first(server.incoming, within: 5))
        #expect(d.peer == PeerID("worker-A"))
        #expect(d.frames == [Array("hello".utf8), binary])

        server.send([Array("back".utf8), []], to: d.peer)
        let reply = try #require(await Self.first(client.incoming, within: 5))
        #expect(reply == [Array("back".utf8), []])
        // A message to an unknown peer is dropped (ROUTER_MANDATORY), not fatal.
        server.send([[1]], to: PeerID("nobody"))
    }

    @Test func oversizedMessageDisconnectsItsSenderOnly() async throws {
        let ctx = try ZMQContext()
        let endpoint = Self.freeEndpoint()
        defer { unlink(String(endpoint.dropFirst("ipc://".count))) }
        let server = try ZMQServerTransport(context: ctx, spec: SocketSpec(role: .router(bind: [endpoint]), maxMessageSize: 4096), logger: Self.logger)
        let rogue = try ZMQClientTransport(context: ctx, spec: SocketSpec(role: .dealer(connect: endpoint, routingID: "rogue")), logger: Self.logger)
        let good = try ZMQClientTransport(context: ctx, spec: SocketSpec(role: .dealer(connect: endpoint, routingID: "good")), logger: Self.logger)
        defer { rogue.close(lingerMs: 0); good.close(lingerMs: 0); server.close(lingerMs: 0) }
        rogue.send([[UInt8](repeating: 7, count: 100_000)])
        try await Task.sleep(for: .milliseconds(100))
        good.send([Array("fine".utf8)])
        let d = try #require(await Self.first(server.incoming, within: 5))
        #expect(d.peer == PeerID("good"))
    }

    @Test func curveWithAllowListAdmitsOnlyKnownKeys() async throws {
        let ctx = try ZMQContext()
        let endpoint = Self.freeEndpoint()
        defer { unlink(String(endpoint.dropFirst("ipc://".count))) }
        let serverKeys = try CurveKeyPair.generate()
        let allowed = try CurveKeyPair.generate()
        let stranger = try CurveKeyPair.generate()
        #expect(try CurveKeyPair.publicKey(forSecret: allowed.secretKey) == allowed.publicKey)
        let server = try ZMQServerTransport(
            context: ctx,
            spec: SocketSpec(role: .router(bind: [endpoint]), curve: .server(secretKey: serverKeys.secretKey, allowedClients: [allowed.publicKey])),
            logger: Self.logger)
        let bad = try ZMQClientTransport(
            context: ctx,
            spec: SocketSpec(role: .dealer(connect: endpoint, routingID: "stranger"), curve: .client(keys: stranger, serverKey: serverKeys.publicKey)),
            logger: Self.logger)
        let goodClient = try ZMQClientTransport(
            context: ctx,
            spec: SocketSpec(role: .dealer(connect: endpoint, routingID: "friend"), curve: .client(keys: allowed, serverKey: serverKeys.publicKey)),
            logger: Self.logger)
        defer { bad.close(lingerMs: 0); goodClient.close(lingerMs: 0); server.close(lingerMs: 0) }
        bad.send([Array("let me in".utf8)])
        try await Task.sleep(for: .milliseconds(300))
        goodClient.send([Array("hi".utf8)])
        let d = try #require(await Self.first(server.incoming, within: 5))
        #expect(d.peer == PeerID("friend"))
        #expect(d.authenticatedKey == allowed.publicKey)
    }

    @Test func keyFilesAreCheckedAndCommentsSkipped() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("oversweep-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let pair = try CurveKeyPair.generate()
        let good = dir.appendingPathComponent("a.pub").path
        try "# worker a\n\n\(pair.publicKey)\n".write(toFile: good, atomically: true, encoding: .utf8)
        #expect(try CurveKeyFile.readOne(good) == pair.publicKey)
        let bad = dir.appendingPathComponent("b.pub").path
        try "short-key\n".write(toFile: bad, atomically: true, encoding: .utf8)
        #expect { try CurveKeyFile.read(bad) } throws: { "\($0)".contains("b.pub:1") }
        #expect(throws: WireError.self) { try CurveKeyFile.read(dir.appendingPathComponent("missing").path) }
    }
}
