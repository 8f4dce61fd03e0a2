import Foundation
import TestSupport
import Testing
import TrialContract

/// Several hosts on one machine: network namespaces joined by veth pairs to a
/// bridge that lives in a namespace of its own (docs/protocol.md, "Testing
/// across hosts on one machine").
/// Nothing touches the root namespace; the subnet exists only inside.
final class NetnsLab {
    static let ip = Subprocess.which("ip")

    static var available: Bool { geteuid() == 0 && ip != nil }

    let tag = "osw\(UInt16.random(in: 0...UInt16.max))"
    let subnet = "10.\(Int.random(in: 100...250)).\(Int.random(in: 0...255))"
    var bridgeNS: String { "\(tag)-br" }
    private(set) var namespaces: [String] = []

    @discardableResult
    func run(_ args: [String]) throws -> Int32 {
        let r = try Subprocess.run(Self.ip ?? URL(fileURLWithPath: "/usr/sbin/ip"), args)
        if r.status != 0 { throw LabError(message: "ip \(args.joined(separator: " ")) failed: \(r.stderr)") }
        return r.status
    }

    struct LabError: Error, CustomStringConvertible { var message: String; var description: String { message } }

    init() throws {
        try run(["netns", "add", bridgeNS])
        namespaces.append(bridgeNS)
        try run(["-n", bridgeNS, "link", "add", "br0", "type", "bridge"])
        try run(["-n", bridgeNS, "link", "set", "br0", "up"])
    }

    /// Adds a host namespace with address subnet.N, plugged into the bridge on port `port(name)`.
    func addHost(_ name: String, _ n: Int) throws -> String {
        let ns = "\(tag)-\(name)"
        try run(["netns", "add", ns])
        namespaces.append(ns)
        try run(["-n", bridgeNS, "link", "add", port(name), "type", "veth", "peer", "name", "eth0", "netns", ns])
        try run(["-n", bridgeNS, "link", "set", port(name), "master", "br0", "up"])
        try run(["-n", ns, "addr", "add", "\(subnet).\(n)/24", "dev", "eth0"])
        try run(["-n", ns, "link", "set", "eth0", "up"])
        try run(["-n", ns, "link", "set", "lo", "up"])
        return ns
    }

    func port(_ name: String) -> String { "p-\(name)" }

    func setLink(_ name: String, up: Bool) throws {
        try run(["-n", bridgeNS, "link", "set", port(name), up ? "up" : "down"])
    }

    /// Wraps a command so it runs inside `ns`.
    func wrapper(_ ns: String) -> [String] { [Self.ip?.path ?? "ip", "netns", "exec", ns] }

    /// Deleting a namespace removes its veth ends too.
    func tearDown() {
        for ns in namespaces.reversed() { _ = try? run(["netns", "del", ns]) }
        namespaces.removeAll()
    }

    deinit { tearDown() }
}

@Suite(.serialized) struct MultiHostTests {
    @Test(.enabled(if: NetnsLab.available, "needs root and iproute2 to create network namespaces; skipped"))
    func sweepSurvivesACutLinkBetweenHosts() async throws {
        let lab = try NetnsLab()
        defer { lab.tearDown() }
        let coordNS = try lab.addHost("coord", 1)
        let w1NS = try lab.addHost("w1", 2)
        let w2NS = try lab.addHost("w2", 3)

        // 120 trials of 0.15 s (sleeping, no CPU): ≥ 9 s with both workers, so the
        // cut lands mid-sweep even when a busy test runner polls late.
        let sweep = try LocalSweep(trials: 120, endpoint: "tcp://\(lab.subnet).1:5555")
        defer { sweep.cleanup() }
        let coordinator = try sweep.coordinator(leaseSize: 5, wrapper: lab.wrapper(coordNS))
        let cut = try sweep.worker("w1", simulate: 0.15, wrapper: lab.wrapper(w1NS))
        let kept = try sweep.worker("w2", simulate: 0.15, wrapper: lab.wrapper(w2NS))
        // Cut as soon as w1 has worked, so it surely holds leases (on a loaded
        // machine a line count could be reached only near the end of the sweep).
        #expect(await Scratch.waitUntil(within: 30) { sweep.records.contains { $0.worker == "w1" } }, "coordinator: \(coordinator.log)")
        let w1Before = sweep.records.filter { $0.worker == "w1" }.count
        try lab.setLink("w1", up: false)

        let status = await coordinator.wait(90)
        #expect(status == 0, "coordinator: \(coordinator.log)")
        #expect(await kept.wait(10) == 0)
        cut.signal(SIGKILL)
        _ = await cut.wait(5)
        let records = sweep.records
        #expect(records.count == sweep.ids.count)
        #expect(Set(records.map(\.id)) == sweep.ids)
        #expect(w1Before > 0, "both hosts worked before the cut")
        #expect(coordinator.log.contains("w1@") && coordinator.log.contains("presumed lost"), "coordinator: \(coordinator.log)")
    }
}
