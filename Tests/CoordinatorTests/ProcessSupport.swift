import Foundation
import TestSupport
import Testing
import TrialContract

/// A child process whose stderr is collected into a file (no pipe to fill up).
final class Child {
    let process = Process()
    let logPath: String

    init(_ arguments: [String], log: String, wrapper: [String] = []) throws {
        logPath = log
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        if wrapper.isEmpty {
            process.executableURL = OversweepBinary.url
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: wrapper[0])
            process.arguments = Array(wrapper.dropFirst()) + [OversweepBinary.url.path] + arguments
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardError = handle
        process.standardOutput = handle
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Exit status, or nil if still running after `seconds` (then it is killed).
    func wait(_ seconds: Double) async -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            _ = Foundation.kill(pid, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    func signal(_ number: Int32) { _ = Foundation.kill(pid, number) }

    deinit {
        if process.isRunning {
            Foundation.kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// A scratch directory with a trial list; removed by `cleanup`.
struct Scratch {
    let dir: URL

    init() throws {
        dir = try TestFiles.temporaryDirectory("oversweep-proc")
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
    func cleanup() { try? FileManager.default.removeItem(at: dir) }

    /// Writes `n` small trials (distinct seeds) and returns their ids.
    func trialList(_ n: Int, name: String = "trials.jsonl") throws -> (path: String, ids: Set<String>) {
        var text = ""
        var ids = Set<String>()
        for i in 0..<n {
            let config = #"{"data":"sphere_teacher","width":8,"depth":1,"activation":"relu","loss":"logistic","lr":0.1,"steps":10,"seed":\#(i)}"#
            // Ids are the configs' content hashes (the coordinator checks results against them).
            let id = TrialID(config: try JSONDecoder().decode(TrialConfig.self, from: Data(config.utf8))).rawValue
            ids.insert(id)
            text += #"{"id":"\#(id)","sweep":"","config":\#(config)}"# + "\n"
        }
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
        return (path(name), ids)
    }

    /// The result file's records as (id, attempt, worker).
    static func records(_ path: String) -> [(id: String, attempt: Int, worker: String)] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  obj["config"] != nil, let id = obj["id"] as? String else { return nil }
            return (id, obj["attempt"] as? Int ?? 0, obj["worker"] as? String ?? "")
        }
    }

    static func lineCount(_ path: String) -> Int {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    /// Waits until `condition` holds (or `seconds` pass).
    static func waitUntil(within seconds: Double, _ condition: () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Waits until the file holds `lines` lines (or `seconds` pass).
    static func waitForLines(_ path: String, _ lines: Int, within seconds: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if lineCount(path) >= lines { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}

/// A sweep of `trials` small trials served on one endpoint: its coordinator
/// and workers start as separate processes, logging into the scratch directory.
struct LocalSweep {
    let scratch: Scratch
    let spec: String
    let ids: Set<String>
    let endpoint: String
    var out: String { scratch.path("results.jsonl") }
    var records: [(id: String, attempt: Int, worker: String)] { Scratch.records(out) }

    init(trials: Int, endpoint: String = loopbackEndpoint()) throws {
        scratch = try Scratch()
        (spec, ids) = try scratch.trialList(trials)
        self.endpoint = endpoint
    }

    /// `oversweep coordinator` with fast liveness; `--lease-size` when given.
    func coordinatorArguments(leaseSize: Int? = nil, _ extra: [String] = []) -> [String] {
        ["coordinator", spec, "--bind", endpoint, "--out", out] + (leaseSize.map { ["--lease-size", "\($0)"] } ?? [])
            + extra + fastLiveness
    }

    func coordinator(leaseSize: Int? = nil, _ extra: [String] = [], log: String = "coordinator.log",
                     wrapper: [String] = []) throws -> Child {
        try Child(coordinatorArguments(leaseSize: leaseSize, extra), log: scratch.path(log), wrapper: wrapper)
    }

    /// `oversweep worker --name NAME`, trials simulated for `simulate` seconds each, logging to NAME.log.
    func worker(_ name: String, jobs: Int = 1, simulate: Double, _ extra: [String] = [], wrapper: [String] = []) throws -> Child {
        try Child(["worker", "--connect", endpoint, "--jobs", "\(jobs)", "--name", name, "--simulate", "\(simulate)"] + extra,
                  log: scratch.path("\(name).log"), wrapper: wrapper)
    }

    func cleanup() { scratch.cleanup() }
}

/// A loopback TCP endpoint with a port unlikely to clash with other tests.
func loopbackEndpoint() -> String { "tcp://127.0.0.1:\(Int.random(in: 20_000...60_000))" }

/// Fast failure detection for tests: 0.2 s heartbeats, 3 missed = lost.
let fastLiveness = ["--heartbeat-interval", "0.2", "--liveness", "3"]
