import Foundation
import Store
import Sweep
import TestSupport
import Testing
import TrialContract

/// The live page in a real browser: Chromium (Debian's package; `make
/// test-deps` installs it) opens DIR/index.html from disk, as a user would,
/// while `oversweep report --watch` follows a result file the test appends to.
/// The page must load without console errors, draw its plots, and update by
/// itself when lines are appended, until the sweep is complete.
@Suite struct LiveViewBrowserTests {
    @Test(.enabled(if: HeadlessChromium.executable != nil,
                   "chromium is not installed (apt-get install chromium; `make test-deps` does it): the live page's browser test is skipped"))
    func livePageUpdatesInABrowserAsLinesAreAppended() throws {
        let chromium = try #require(HeadlessChromium.executable)
        var sweep = try WatchedSweep(lines: 3, interval: "0.3")
        defer { sweep.close() }
        let (dir, watch) = (sweep.dir, sweep.watch)
        let page = sweep.out.appendingPathComponent("index.html")
        #expect(eventually(within: 30) { FileManager.default.fileExists(atPath: page.path) }, "\(watch.stderr)")

        let profile = dir.appendingPathComponent("profile")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        let browser = try HeadlessChromium(executable: chromium, profile: profile)
        defer { browser.shutdown() }
        try browser.open(page)
        let headline = "document.getElementById('progress-headline').textContent"
        #expect(try browser.waitFor(headline, within: 10) { ($0 as? String)?.contains("3 of 8 trials") == true })
        // The plots are there and laid out: inline SVGs with drawn lines and a non-empty box.
        let svgs = try browser.evaluate("document.querySelectorAll('#report svg').length") as? Int ?? 0
        #expect(svgs >= 2)
        let drawn = try browser.evaluate("""
            Array.from(document.querySelectorAll('#report svg')).filter(s => s.getBBox().width > 100 && s.querySelector('polyline, rect')).length
            """) as? Int ?? 0
        #expect(drawn == svgs)
        #expect(try browser.evaluate("document.querySelectorAll('#workers tr').length") as? Int == 3)

        // Appended lines reach the open page without a reload: the panel, then the report.
        _ = try browser.evaluate("window.__sameDocument = true")
        try sweep.fixture.append(3)
        #expect(try browser.waitFor(headline, within: 20) { ($0 as? String)?.contains("6 of 8 trials") == true })
        #expect(try browser.waitFor("document.getElementById('report').textContent", within: 20) {
            ($0 as? String)?.contains("6 trials: 6 ok") == true
        })
        #expect(try browser.evaluate("window.__sameDocument") as? Bool == true, "updated in place, not reloaded")
        let svgsAfter = try browser.evaluate("document.querySelectorAll('#report svg').length") as? Int ?? 0
        #expect(svgsAfter >= 2)

        try sweep.fixture.append(2)
        #expect(try browser.waitFor(headline, within: 20) { ($0 as? String)?.contains("8 of 8 trials (100.0%): 8 ok, 0 diverged, 0 failed — complete") == true })
        #expect(watch.waitForExit(within: 20) && watch.process.terminationStatus == 0, "\(watch.stderr)")
        let errors = browser.consoleErrors
        #expect(errors.isEmpty, "\(errors.count) console errors, the first: \(errors.prefix(3).joined(separator: "; "))")
    }
}
