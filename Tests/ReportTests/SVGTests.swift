import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Report

/// Collects element names, attributes and text while checking well-formedness.
final class SVGProbe: NSObject, XMLParserDelegate {
    var elements: [String] = []
    var texts: [String] = []
    var polylines = 0
    /// The root's width and height attributes.
    var width = 0.0, height = 0.0
    /// x, y and font size of each <text>, in document order.
    var textPositions: [(x: Double, y: Double, size: Double, anchor: String)] = []
    private var current = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append(name)
        if name == "polyline" { polylines += 1 }
        if name == "svg" {
            width = Double(attributes["width"] ?? "") ?? 0
            height = Double(attributes["height"] ?? "") ?? 0
        }
        if name == "text" {
            textPositions.append((Double(attributes["x"] ?? "") ?? 0, Double(attributes["y"] ?? "") ?? 0,
                                  Double(attributes["font-size"] ?? "") ?? 0, attributes["text-anchor"] ?? "start"))
        }
        current = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" || name == "title" { texts.append(current) }
        current = ""
    }

    /// nil when the document is not well-formed XML.
    static func parse(_ svg: String) -> SVGProbe? {
        let probe = SVGProbe()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = probe
        return parser.parse() ? probe : nil
    }
}

@Suite struct SVGTests {
    @Test func linePlotOnLogAxesIsWellFormedAndNamesItsSeries() throws {
        let plot = Plot(title: "loss <&> \"curves\"", xLabel: "step", yLabel: "loss", xScale: .log, yScale: .log, series: [
            PlotSeries(name: "alpha=-1 & bias", points: (1...50).map { PlotPoint(x: Double($0), y: 1 / Double($0)) }, style: .line,
                       band: (1...50).map { (Double($0), 0.5 / Double($0), 2 / Double($0)) }),
            PlotSeries(name: "relu", points: [PlotPoint(x: 1, y: 0.9, yLow: 0.8, yHigh: 1.0), PlotPoint(x: 10, y: 0), PlotPoint(x: 20, y: .nan)]),
        ], notes: ["slope -1.00 ± 0.01"])
        let svg = SVGRenderer.document(plot)
        let probe = try #require(SVGProbe.parse(svg))
        #expect(probe.elements.first == "svg")
        #expect(probe.texts.contains("alpha=-1 & bias") && probe.texts.contains("relu"))
        #expect(probe.texts.contains("loss <&> \"curves\""))
        #expect(probe.texts.contains("slope -1.00 ± 0.01"))
        // Decade ticks 1, 10, 100 on the x axis.
        #expect(probe.texts.contains("1") && probe.texts.contains("10"))
        #expect(probe.polylines >= 2)
        #expect(probe.elements.contains("polygon"))
    }

    @Test func barsAndEmptyPlotsRender() throws {
        let bars = Plot(title: "error by α", xLabel: "α", yLabel: "error", kind: .bars(categories: ["-1", "0", "0.05"]), series: [
            PlotSeries(name: "bias=false", points: [PlotPoint(x: 0, y: 0.1, yLow: 0.05, yHigh: 0.15), PlotPoint(x: 2, y: 0.3)]),
            PlotSeries(name: "bias=true", points: [PlotPoint(x: 1, y: 0.2)]),
        ])
        let probe = try #require(SVGProbe.parse(SVGRenderer.document(bars)))
        #expect(probe.texts.contains("bias=false") && probe.texts.contains("0.05"))
        #expect(probe.elements.filter { $0 == "rect" }.count >= 5)

        let empty = Plot(title: "nothing", xLabel: "x", yLabel: "y", xScale: .log, yScale: .log,
                         series: [PlotSeries(name: "s", points: [PlotPoint(x: -1, y: 0)])])
        let e = try #require(SVGProbe.parse(SVGRenderer.document(empty)))
        #expect(e.texts.contains("no data to plot"))
    }

    /// Long legend names are wrapped, never cut, and the canvas grows so every
    /// line (and every note) ends inside it: what a standalone .svg shows is all there is.
    @Test func longLegendsAndNotesAreNotClipped() throws {
        let long = "depth=4, train=hidden, init=ntk, lr_scaling=inverse_width, optimizer=sgd, batch_size=64, weight_decay=0.0001"
        let series = (0..<10).map { i in
            PlotSeries(name: i == 0 ? long : "width=\(i)", points: [PlotPoint(x: 1, y: Double(i)), PlotPoint(x: 2, y: Double(i) + 1)])
        }
        let note = String(repeating: "a fitted slope and its standard error, ", count: 4)
        let plot = Plot(title: "test_error against lr", xLabel: "lr", yLabel: "test_error", series: series, notes: [note])
        let probe = try #require(SVGProbe.parse(SVGRenderer.document(plot)))
        let legend = probe.texts.filter { !$0.isEmpty }
        // Every character of the long name is in the legend, over several lines.
        let lines = legend.filter { long.contains($0.trimmingCharacters(in: CharacterSet(charactersIn: ","))) && $0.count > 3 }
        #expect(lines.count >= 2)
        #expect(lines.joined(separator: " ").replacingOccurrences(of: ", ", with: ",").replacingOccurrences(of: " ", with: "")
            == long.replacingOccurrences(of: ", ", with: ",").replacingOccurrences(of: " ", with: ""))
        #expect(legend.contains("width=9"), "all ten series are named, none dropped")
        for (text, pos) in zip(probe.texts, probe.textPositions) where pos.anchor == "start" {
            let right = pos.x + Double(text.count) * pos.size * SVGRenderer.charAdvance
            #expect(right <= probe.width, "'\(text)' ends at \(right), beyond the width \(probe.width)")
            #expect(pos.y <= probe.height, "'\(text)' below the canvas")
        }
        #expect(probe.width > SVGRenderer.width)
    }

    /// An all-zero error (every run reached 0) gets an axis from 0, not −1 to 1; non-negative data no negative ticks.
    @Test func constantAndNonNegativeSeriesGetSensibleAxes() throws {
        let zero = Ticks.linear(min: 0, max: 0)
        #expect(zero.domain.lowerBound == 0 && zero.domain.upperBound >= 1 && zero.ticks.first == 0)
        #expect(!zero.ticks.contains { $0 < 0 })
        let small = Ticks.linear(min: 0.001, max: 0.9)
        #expect(small.domain.lowerBound >= 0 && !small.ticks.contains { $0 < 0 })
        let signed = Ticks.linear(min: -0.5, max: 0.5)
        #expect(signed.domain.lowerBound < -0.5)
        let plot = Plot(title: "train_error", xLabel: "width", yLabel: "train_error",
                        series: [PlotSeries(name: "s", points: [PlotPoint(x: 1, y: 0), PlotPoint(x: 2, y: 0)])])
        let probe = try #require(SVGProbe.parse(SVGRenderer.document(plot)))
        #expect(!probe.texts.contains { $0.hasPrefix("-") }, "\(probe.texts)")
    }

    @Test func ticksAreNiceAndCoverTheData() {
        let lin = Ticks.linear(min: 0.13, max: 0.87)
        #expect(lin.domain.lowerBound <= 0.13 && lin.domain.upperBound >= 0.87)
        #expect(lin.ticks.count >= 3 && lin.ticks.count <= 11)
        #expect(lin.ticks.contains(0.4))
        let lg = Ticks.log(min: 3e-7, max: 0.4)
        #expect(lg.domain.lowerBound <= 3e-7 && lg.domain.upperBound >= 0.4)
        #expect(lg.ticks.contains(1e-3) || lg.ticks.contains(1e-4))
        // About one decade: 1-2-5 ticks, at least three of them.
        let short = Ticks.log(min: 0.06, max: 0.8)
        #expect(short.ticks.count >= 3 && short.ticks.contains(0.1) && short.ticks.contains(0.5))
        for t in short.ticks + lg.ticks { #expect(short.ticks.contains(t) ? short.domain.contains(t) : lg.domain.contains(t)) }
        let narrow = Ticks.log(min: 0.9971, max: 0.9994)
        #expect(narrow.ticks.count >= 2)
        let flat = Ticks.linear(min: 2, max: 2)
        #expect(flat.domain.lowerBound < 2 && flat.domain.upperBound > 2)
    }
}
