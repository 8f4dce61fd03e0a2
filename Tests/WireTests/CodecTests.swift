import Foundation
import Testing
import TrialContract
@testable import Wire

@Suite struct CodecTests {
    static func config(seed: UInt64) -> TrialConfig {
        var c = TrialConfig()
        c.seed = seed
        c.width = 8
        c.steps = 10
        return c
    }

    static let samples: [Message] = [
        .hello(Hello(name: "w1", host: "h", cores: 4, jobs: 2, build: "0.1", pid: 42)),
        .welcome(Welcome(heartbeatInterval: 0.5, liveness: 3, totalTrials: 10)),
        .ready(WorkerStatus(capacity: 3, held: [7, 9], lastLease: 9)),
        .lease(Lease(leaseID: 5, expiresIn: 2.5, trials: [LeasedTrial(id: TrialID(rawValue: "ab"), attempt: 2, config: config(seed: 3))])),
        .result(Results(reports: [TrialResultReport(
            leaseID: 5, trialID: TrialID(rawValue: "ab"), attempt: 1, config: config(seed: 3),
            result: TrainingResult(status: .ok, metrics: ["train_loss": 0.25], stepsRun: 10, timing: Timing(seconds: 1.5)),
            startedAt: Date(timeIntervalSince1970: 1000), endedAt: Date(timeIntervalSince1970: 1001.5))])),
        .ack(Ack(trials: [TrialID(rawValue: "ab"), TrialID(rawValue: "cd")])),
        .heartbeat(nil),
        .heartbeat(WorkerStatus(capacity: 1, held: [], lastLease: 0)),
        .bye(Bye(reason: "SIGTERM", returnedLeases: [5])),
        .done(Done(recorded: 10, quarantined: 1)),
        .reject(Reject(reason: "nope", rehello: true)),
    ]

    @Test func everyMessageRoundTrips() throws {
        #expect(Set(Self.samples.map(\.kind)) == Set(MessageKind.allCases))
        for m in Self.samples {
            let env = Envelope(sweepID: "sweep-1", incarnation: 0xdead_beef_0102_0304, message: m)
            let frames = try Codec.encode(env)
            #expect(frames.count == 2)
            #expect(try Codec.decode(frames) == env)
        }
    }

    @Test func wrongVersionIsRecognisedFromTheHeaderAlone() throws {
        var frames = try Codec.encode(Envelope(sweepID: "s", incarnation: 1, message: .heartbeat(nil)))
        frames[0][5] = 99
        frames[1] = Array("not json at all".utf8)
        #expect { try Codec.decode(frames) } throws: { ($0 as? WireError)?.code == .version }
    }

    @Test func malformedInputIsAnErrorNeverACrash() throws {
        let good = try Codec.encode(Envelope(sweepID: "s", incarnation: 1, message: .ready(WorkerStatus(capacity: 1, held: [], lastLease: 0))))
        var rng = SystemRandomNumberGenerator()
        var cases: [[[UInt8]]] = [[], [[]], [good[0]], good + [[1]], [Array("OSWP".utf8), good[1]],
                                  [good[0], Array("{\"capacity\": \"x\"}".utf8)], [good[0], []]]
        var unknownKind = good
        unknownKind[0][6] = 200
        cases.append(unknownKind)
        for _ in 0..<300 {
            // Random garbage, and random mutations of a valid message.
            var f = good
            let i = Int.random(in: 0..<2, using: &rng)
            if !f[i].isEmpty { f[i][Int.random(in: 0..<f[i].count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            cases.append(f)
            cases.append((0..<Int.random(in: 1...3)).map { _ in (0..<Int.random(in: 0...40)).map { _ in UInt8.random(in: 0...255) } })
        }
        var errors = 0
        for c in cases {
            do { _ = try Codec.decode(c) } catch is WireError { errors += 1 }
        }
        #expect(errors >= 8)
    }
}
