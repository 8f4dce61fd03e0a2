import Foundation
import Logging
import Testing
import TrialContract
import Wire
import ZeroMQTransport

/// Peers that should not disturb a sweep: garbage, huge frames, another
/// protocol version, a worker that takes a lease and goes mute, and (with
/// CURVE) a worker whose key is not on the allow-list.
@Suite(.serialized) struct HostileTests {
    @Test func roguePeerDoesNotDisturbTheSweep() async throws {
        let sweep = try LocalSweep(trials: 200)
        defer { sweep.cleanup() }
        let endpoint = sweep.endpoint
        let coordinator = try sweep.coordinator(leaseSize: 8, ["--max-message-size", "65536"])
        var sweepID = ""
        for _ in 0..<500 where sweepID.isEmpty {
            if let r = coordinator.log.range(of: ", sweep ") {
                sweepID = String(coordinator.log[r.upperBound...].prefix { !$0.isWhitespace })
            } else {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        try #require(!sweepID.isEmpty)
        let ctx = try ZMQContext()
        let rogue = try ZMQClientTransport(context: ctx, spec: SocketSpec(role: .dealer(connect: endpoint, routingID: "rogue")),
                                           logger: Logger(label: "rogue"))
        let mute = try ZMQClientTransport(context: ctx, spec: SocketSpec(role: .dealer(connect: endpoint, routingID: "mute")),
                                          logger: Logger(label: "mute"))
        defer { rogue.close(lingerMs: 0); mute.close(lingerMs: 0) }
        // A "worker" that says hello, takes a lease and never speaks again.
        mute.send(try Codec.encode(Envelope(sweepID: "", incarnation: 0, message:
            .hello(Hello(name: "mute", host: "nowhere", cores: 1, jobs: 1, build: "x", pid: 1)))))
        try await Task.sleep(for: .milliseconds(100))
        // Before the honest worker starts, so the mute one surely holds a lease the sweep must get back.
        mute.send(try Codec.encode(Envelope(sweepID: sweepID, incarnation: 0, message: .ready(WorkerStatus(capacity: 1, held: [], lastLease: 0)))))
        try await Task.sleep(for: .milliseconds(100))
        let worker = try sweep.worker("honest", jobs: 2, simulate: 0.005)
        var wrongVersion = try Codec.encode(Envelope(sweepID: "", incarnation: 0, message:
            .hello(Hello(name: "old", host: "h", cores: 1, jobs: 1, build: "x", pid: 1))))
        wrongVersion[0][5] = 7
        for i in 0..<200 {
            rogue.send([Array("garbage \(i)".utf8)])
            rogue.send([[0xff, 0x00], (0..<64).map { _ in UInt8.random(in: 0...255) }])
            rogue.send(wrongVersion)
            if i == 100 { rogue.send([[UInt8](repeating: 1, count: 1 << 20)]) }
            try await Task.sleep(for: .milliseconds(5))
        }
        let status = await coordinator.wait(60)
        #expect(status == 0, "coordinator: \(coordinator.log)")
        _ = await worker.wait(10)
        let records = sweep.records
        #expect(records.count == sweep.ids.count)
        #expect(Set(records.map(\.id)) == sweep.ids)
        #expect(records.allSatisfy { $0.worker == "honest" })
        #expect(coordinator.log.contains("dropped message from peer rogue"))
        #expect(coordinator.log.contains("protocol version 7"))
        #expect(coordinator.log.contains("mute@nowhere silent"))
        #expect(records.contains { $0.attempt >= 2 }, "the mute worker's lease was re-leased")
    }

    @Test func withCurveAWorkerWithAnUnknownKeyGetsNoWork() async throws {
        let sweep = try LocalSweep(trials: 100)
        defer { sweep.cleanup() }
        let s = sweep.scratch
        for name in ["coord", "friend", "stranger"] {
            let k = try Child(["keygen", "--out", s.path(name)], log: s.path("keygen-\(name).log"))
            #expect(await k.wait(10) == 0, "keygen: \(k.log)")
        }
        let mode = try FileManager.default.attributesOfItem(atPath: s.path("coord.key"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let coordinator = try sweep.coordinator(["--curve-secret", s.path("coord.key"), "--curve-allow", s.path("friend.pub")])
        let stranger = try sweep.worker("stranger", simulate: 0.005,
                                        ["--curve-secret", s.path("stranger.key"), "--curve-server-key", s.path("coord.pub"), "--give-up-after", "3"])
        // An allowed key, but the wrong coordinator key: the handshake cannot even be read.
        let confused = try sweep.worker("confused", simulate: 0.005,
                                        ["--curve-secret", s.path("friend.key"), "--curve-server-key", s.path("stranger.pub"), "--give-up-after", "3"])
        try await Task.sleep(for: .milliseconds(300))
        let friend = try sweep.worker("friend", simulate: 0.005,
                                      ["--curve-secret", s.path("friend.key"), "--curve-server-key", s.path("coord.pub")])
        #expect(await coordinator.wait(60) == 0, "coordinator: \(coordinator.log)")
        #expect(await friend.wait(10) == 0)
        let records = sweep.records
        #expect(Set(records.map(\.id)) == sweep.ids && records.count == sweep.ids.count)
        #expect(records.allSatisfy { $0.worker == "friend" })
        #expect(!stranger.log.contains("connected:"))
        #expect(coordinator.log.contains("not on the allow-list"))
        // Diagnosable from both ends: the worker says its key was refused (not "no coordinator") …
        #expect(await stranger.wait(20) == 75, "stranger: \(stranger.log)")
        #expect(stranger.log.contains("refused the handshake"), "stranger: \(stranger.log)")
        #expect(stranger.log.contains("could not join the coordinator") && !stranger.log.contains("no coordinator at the other end"))
        // … and the coordinator logs the refused key once, however often the worker retried.
        let strangerKey = try String(contentsOfFile: s.path("stranger.pub"), encoding: .utf8).split(separator: "\n").last.map(String.init) ?? "?"
        #expect(coordinator.log.components(separatedBy: strangerKey).count - 1 == 1, "coordinator: \(coordinator.log)")
        #expect(await confused.wait(20) == 75, "confused: \(confused.log)")
        #expect(confused.log.contains("--curve-server-key"), "confused: \(confused.log)")
        #expect(coordinator.log.contains("failed the handshake"), "coordinator: \(coordinator.log)")
        // Keys never on the command line: the secret is not in any log.
        let secret = try String(contentsOfFile: s.path("coord.key"), encoding: .utf8).split(separator: "\n").last.map(String.init) ?? "?"
        #expect(!coordinator.log.contains(secret))
    }

    @Test func aSecretKeyOthersCanReadIsUsedWithAWarning() async throws {
        let s = try Scratch()
        defer { s.cleanup() }
        let k = try Child(["keygen", "--out", s.path("w")], log: s.path("keygen.log"))
        #expect(await k.wait(10) == 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: s.path("w.key"))
        let worker = try Child(["worker", "--connect", loopbackEndpoint(), "--curve-secret", s.path("w.key"), "--curve-server-key", s.path("w.pub"),
                                "--give-up-after", "0.5", "--simulate", "0"], log: s.path("worker.log"))
        #expect(await worker.wait(20) == 75)
        #expect(worker.log.contains("can be read by other users (mode 644)"), "\(worker.log)")
    }
}
