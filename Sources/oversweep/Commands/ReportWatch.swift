import Foundation
import Report
import Store

/// `oversweep report FILE -o DIR --watch`: keeps DIR/index.html current while
/// the sweep runs. Every `interval` seconds it reads what was appended
/// (only that) and rewrites `live.js` (progress, rate, ETA, workers, failures);
/// the report itself (tables, plots: work that grows with the sweep) is rebuilt
/// when there is something new, at most once per interval and no more often
/// than four times its own build time, so it never takes over the machine.
/// Stops when the planned trials are all recorded, or on SIGINT/SIGTERM,
/// after writing the final report.
struct ReportWatch {
    let results: String
    let out: URL
    let title: String?
    let experimentNames: [String]
    let interval: Double

    func run() async throws {
        let stop = StopSignal()
        var follower = SweepFollower(path: results)
        var seq = 0, reportVersion = 0
        var dirty = false
        var lastBuild: Date?
        var buildSeconds = 0.0
        var written: Set<String> = []
        var experiments: [ReferenceExperiment]?
        var reportHTML = "<p>No trials recorded yet.</p>"
        print("watching \(results): \(out.path)/index.html refreshes every \(Format.number(interval)) s; Ctrl-C stops")
        while true {
            if try follower.refresh() { dirty = true }
            guard let progress = follower.progress, let header = follower.header else {
                if stop.isRaised { return }
                await stop.sleep(interval)
                continue
            }
            if experiments == nil { experiments = try follower.headerSpec?.experiments(commandLine: experimentNames) ?? [] }
            let now = Date()
            let snapshot = progress.snapshot(at: now)
            let finishing = snapshot.complete || stop.isRaised
            let context = follower.context
            let panel = LivePage.panel(snapshot, context: context)
            let due = lastBuild.map { now.timeIntervalSince($0) >= max(interval, 4 * buildSeconds) } ?? true
            let name = header.sweepName.isEmpty ? URL(fileURLWithPath: results).lastPathComponent : header.sweepName
            let pageTitle = title ?? "OverSweep report: \(name)"
            var state = LivePage.State(seq: seq, reportVersion: reportVersion, complete: finishing, interval: interval)
            if (dirty && (due || finishing)) || lastBuild == nil || finishing {
                let started = Date()
                reportVersion += 1
                seq += 1
                state = LivePage.State(seq: seq, reportVersion: reportVersion, complete: finishing, interval: interval)
                var doc = ReportDocument(title: pageTitle)
                if !progress.records.isEmpty {
                    doc = SweepReport.build(records: progress.records, title: pageTitle, experiments: experiments ?? [])
                    reportHTML = ReportWriter.body(doc)
                }
                let page = LivePage.html(title: pageTitle, panel: panel, report: reportHTML, state: state)
                do {
                    // report.js before live.js, live.js before the page, so nothing refers to what is not there yet.
                    try write(LivePage.reportScript(html: reportHTML, version: reportVersion), LivePage.reportFile)
                    try write(LivePage.dataScript(panel: panel, state: state), LivePage.dataFile)
                    let w = try ReportWriter.write(doc, to: out, indexHTML: page)
                    // Plots the report no longer has (renamed as it grew) are removed.
                    let current = Set(w.svgs.map(\.lastPathComponent))
                    for stale in written.subtracting(current) { try? FileManager.default.removeItem(at: out.appendingPathComponent(stale)) }
                    written = current
                } catch {
                    throw CLIError("\(out.path): cannot write the report (\((error as NSError).localizedDescription))")
                }
                buildSeconds = Date().timeIntervalSince(started)
                lastBuild = Date()
                dirty = false
            } else {
                seq += 1
                state.seq = seq
                do {
                    try write(LivePage.dataScript(panel: panel, state: state), LivePage.dataFile)
                } catch {
                    throw CLIError("\(out.path): cannot write \(LivePage.dataFile) (\((error as NSError).localizedDescription))")
                }
            }
            if finishing {
                print((snapshot.complete ? "complete: " : "stopped: ") + ProgressText.headline(snapshot))
                print("wrote \(out.appendingPathComponent("index.html").path) and report.md")
                return
            }
            await stop.sleep(interval)
        }
    }

    private func write(_ text: String, _ name: String) throws {
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try text.write(to: out.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
}
