import Foundation
import TrialContract

/// The live view of a running sweep: `index.html` shows the progress panel
/// and the report so far, and a small script re-reads `live.js` beside it
/// every few seconds (a `<script>` element, which works on a file:// page
/// where fetch does not), swapping in the new panel, and `report.js` when
/// the report was rebuilt. No server; the script stops once the sweep is
/// complete. Both files are rewritten atomically, so a reload never sees half of one.
public enum LivePage {
    public static let dataFile = "live.js"
    public static let reportFile = "report.js"

    /// Where the page stands: `seq` grows with every `live.js`, `reportVersion` with every rebuilt report.
    public struct State: Sendable, Equatable {
        public var seq: Int
        public var reportVersion: Int
        public var complete: Bool
        /// Seconds between reloads of `live.js`.
        public var interval: Double

        public init(seq: Int, reportVersion: Int, complete: Bool, interval: Double) {
            self.seq = seq
            self.reportVersion = reportVersion
            self.complete = complete
            self.interval = interval
        }
    }

    static let liveStyle = """
        #live { border: 1px solid #ccc; border-radius: 4px; padding: 0.6em 1em; margin: 1em 0 2em; background: #fafafa; }
        #live progress { width: 100%; height: 1.2em; }
        #live .headline { font-size: 1.15em; font-weight: bold; margin: 0.2em 0; }
        #live .state-complete { color: #1a7f37; } #live .quiet { color: #b35900; }
        """

    /// The whole page as it stands now; the script keeps it current.
    public static func html(title: String, panel: String, report: String, state: State) -> String {
        let e = SVGBuilder.escape
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(e(title))</title>
            <style>
            \(ReportWriter.style)
            \(liveStyle)
            </style></head><body>
            <h1>\(e(title))</h1>
            <div id="live">\(panel)</div>
            <div id="report">\(report)</div>
            <script>
            \(script(state))
            </script>
            </body></html>

            """
    }

    static func script(_ state: State) -> String {
        let ms = Int((state.interval * 1000).rounded())
        return """
            (function () {
              "use strict";
              var state = { seq: \(state.seq), report: \(state.reportVersion), complete: \(state.complete) };
              var timer = null;
              function load(src) {
                var s = document.createElement("script");
                s.src = src;
                s.onload = s.onerror = function () { s.remove(); };
                document.head.appendChild(s);
              }
              window.oversweepLive = function (d) {
                if (d.seq <= state.seq) return;
                state.seq = d.seq;
                document.getElementById("live").innerHTML = d.panel;
                if (d.report !== state.report) load("\(reportFile)?v=" + d.report);
                if (d.complete && timer !== null) { clearInterval(timer); timer = null; }
              };
              window.oversweepReport = function (d) {
                if (d.version === state.report) return;
                state.report = d.version;
                document.getElementById("report").innerHTML = d.html;
              };
              if (!state.complete) {
                timer = setInterval(function () { load("\(dataFile)?t=" + Date.now()); }, \(ms));
              }
            })();
            """
    }

    /// `live.js`: the panel and where the page stands.
    public static func dataScript(panel: String, state: State) -> String {
        let d = JSONValue.object([
            "seq": .integer(state.seq), "report": .integer(state.reportVersion), "complete": .bool(state.complete),
            "panel": .string(panel),
        ])
        return "oversweepLive(\(d.canonicalText));\n"
    }

    /// `report.js`: the report's sections as HTML.
    public static func reportScript(html: String, version: Int) -> String {
        "oversweepReport(\(JSONValue.object(["version": .integer(version), "html": .string(html)]).canonicalText));\n"
    }

    /// The progress panel: headline and bar, pace, workers, latest problems.
    public static func panel(_ s: ProgressSnapshot, context c: LiveContext) -> String {
        let e = SVGBuilder.escape
        var out = "<p class=\"headline\(s.complete ? " state-complete" : "")\" id=\"progress-headline\">\(e(ProgressText.headline(s)))</p>\n"
        if let f = s.fraction, let planned = s.planned {
            out += "<progress id=\"progress-bar\" max=\"\(planned)\" value=\"\(Int((f * Double(planned)).rounded()))\"></progress>\n"
        }
        if let note = c.planNote { out += "<p>\(e(note))</p>\n" }
        out += "<p id=\"progress-pace\">\(e(ProgressText.pace(s)))</p>\n"
        if !s.workers.isEmpty {
            out += "<div class=\"table-box\"><table id=\"workers\"><caption>Workers (from their records)</caption>"
            out += "<tr>" + ["worker", "host", "trials", "ok", "diverged", "failed", "s/trial", "last result", "state"].map { "<th>\($0)</th>" }.joined() + "</tr>\n"
            for w in s.workers {
                let cells = [w.name, w.host, "\(w.trials)", "\(w.ok)", "\(w.diverged)", "\(w.failed)",
                             w.secondsPerTrial.map { Format.number($0) } ?? "—", Format.duration(w.lastResultAgo) + " ago"]
                out += "<tr>" + cells.map { "<td>\(e($0))</td>" }.joined()
                    + "<td\(w.state.hasPrefix("quiet") ? " class=\"quiet\"" : "")>\(e(w.state))</td></tr>\n"
            }
            out += "</table></div>\n"
        }
        if !s.problems.isEmpty {
            out += "<div class=\"table-box\"><table id=\"problems\"><caption>Latest diverged and failed trials</caption>"
            out += "<tr><th>trial</th><th>sub-sweep</th><th>seed</th><th>status</th><th>message</th></tr>\n"
            for p in s.problems.prefix(10) {
                out += "<tr>" + [p.id, p.sweep.isEmpty ? "—" : p.sweep, "\(p.seed)", p.status, p.message].map { "<td>\(e($0))</td>" }.joined() + "</tr>\n"
            }
            out += "</table></div>\n"
        }
        if s.unreadableLines > 0 { out += "<p>Unreadable lines: \(s.unreadableLines) (not counted).</p>\n" }
        out += "<p><small>\(e(c.file)) · updated \(e(ProgressText.clock(s.updated)))" + (c.writer.map { " · " + e($0) } ?? "")
            + (s.complete ? " · the sweep is complete; this page no longer reloads" : "") + "</small></p>\n"
        return out
    }
}
