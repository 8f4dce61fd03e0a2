import Foundation

/// Draws a `Plot` as a standalone SVG document (no scripts, no external
/// fonts or styles), so it renders in a browser, an image viewer or rsvg-convert.
public enum SVGRenderer {
    /// The smallest figure; a long legend or note widens it, a tall legend makes it taller.
    static let width = 860.0, height = 430.0
    static let left = 78.0, top = 44.0, bottom = 62.0, legendWidth = 270.0
    static let noteLine = 17.0, legendLine = 14.0, legendGap = 4.0
    /// Legend names are wrapped (at ", " where possible) to lines of at most this many characters.
    static let legendChars = 40
    /// Generous average advance of a character of DejaVu Sans / Helvetica, per pixel of font size.
    static let charAdvance = 0.62

    /// Where things go: the plot area is the same in every figure; the
    /// canvas grows so that no legend entry or note is cut off.
    struct Layout {
        var area: (x0: Double, x1: Double, y0: Double, y1: Double)
        var width: Double
        /// Height without the notes under the plot.
        var height: Double
        /// Per named series: its index and its name in lines.
        var legend: [(series: Int, lines: [String])]

        init(_ plot: Plot) {
            area = (left, SVGRenderer.width - legendWidth, top, SVGRenderer.height - bottom)
            legend = plot.series.enumerated().filter { !$0.element.name.isEmpty }.map { ($0.offset, SVGRenderer.wrap($0.element.name, chars: legendChars)) }
            let longest = legend.flatMap(\.lines).map(\.count).max() ?? 0
            let legendRight = area.x1 + 14 + 28 + Double(longest) * 11 * charAdvance + 10
            let noteRight = left + Double(plot.notes.map(\.count).max() ?? 0) * 12 * charAdvance + 10
            let titleWidth = Double(plot.title.count) * 15 * charAdvance + 20
            width = max(SVGRenderer.width, legendRight, noteRight, titleWidth).rounded(.up)
            let legendBottom = legend.reduce(area.y0 + 8) { $0 + Double($1.lines.count) * legendLine + legendGap }
            height = max(SVGRenderer.height, legendBottom + 10).rounded(.up)
        }
    }

    /// Splits a legend name into lines of at most `chars` characters, at ", " where it can.
    static func wrap(_ name: String, chars: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for (i, part) in name.components(separatedBy: ", ").enumerated() {
            let piece = i == 0 ? part : ", " + part
            if current.isEmpty || current.count + piece.count <= chars {
                current += piece
            } else {
                lines.append(current + ",")
                current = part
            }
            while current.count > chars {
                lines.append(String(current.prefix(chars)))
                current = String(current.dropFirst(chars))
            }
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines
    }

    /// The SVG document, with an XML declaration (for a .svg file).
    public static func document(_ plot: Plot, id: String = "plot") -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + element(plot, id: id)
    }

    /// The `<svg>` element alone (for inlining into HTML).
    /// `id` makes the element's internal ids unique on a page holding several plots.
    public static func element(_ plot: Plot, id: String = "plot") -> String {
        var svg = SVGBuilder(clipID: "clip-" + id)
        let layout = Layout(plot)
        draw(plot, layout: layout, into: &svg)
        // Notes (fits, correlations) go under the plot, one line each, so they never hide data.
        return svg.finish(width: layout.width, height: layout.height + noteLine * Double(plot.notes.count) + (plot.notes.isEmpty ? 0 : 6))
    }

    static func draw(_ plot: Plot, layout: Layout, into svg: inout SVGBuilder) {
        let area = layout.area
        svg.text(plot.title, x: layout.width / 2, y: 24, size: 15, anchor: "middle", weight: "bold")

        let isBars: Bool
        let categories: [String]
        if case .bars(let c) = plot.kind { isBars = true; categories = c } else { isBars = false; categories = [] }

        // Data ranges over finite values (positive ones on a log scale).
        func usable(_ v: Double, _ scale: Plot.Scale) -> Bool { v.isFinite && (scale == .linear || v > 0) }
        var xs: [Double] = [], ys: [Double] = []
        for s in plot.series {
            for p in s.points where usable(p.x, plot.xScale) && usable(p.y, plot.yScale) {
                xs.append(p.x)
                ys.append(p.y)
                for e in [p.yLow, p.yHigh].compactMap({ $0 }) where usable(e, plot.yScale) { ys.append(e) }
            }
            for b in s.band where usable(b.x, plot.xScale) {
                xs.append(b.x)
                ys += [b.low, b.high].filter { usable($0, plot.yScale) }
            }
        }
        if isBars, plot.yScale == .linear { ys.append(0) }

        svg.rect(x: area.x0, y: area.y0, w: area.x1 - area.x0, h: area.y1 - area.y0, fill: "#ffffff", stroke: "#444444")
        guard let ylo = ys.min(), let yhi = ys.max(), isBars || (xs.min() != nil) else {
            svg.text("no data to plot", x: (area.x0 + area.x1) / 2, y: (area.y0 + area.y1) / 2, size: 13, anchor: "middle", fill: "#777777")
            drawLabels(plot, layout: layout, into: &svg)
            return
        }

        // Axes.
        let yAxis = plot.yScale == .log ? Ticks.log(min: ylo, max: yhi) : Ticks.linear(min: ylo, max: yhi)
        let xAxis: (domain: ClosedRange<Double>, ticks: [Double])
        if isBars {
            xAxis = (-0.5...Double(max(categories.count, 1)) - 0.5, [])
        } else if plot.xScale == .log, let a = xs.min(), let b = xs.max() {
            xAxis = Ticks.log(min: a, max: b)
        } else {
            xAxis = Ticks.linear(min: xs.min() ?? 0, max: xs.max() ?? 1)
        }
        func project(_ v: Double, _ d: ClosedRange<Double>, _ scale: Plot.Scale, _ a: Double, _ b: Double) -> Double {
            let (lo, hi, x) = scale == .log ? (log10(d.lowerBound), log10(d.upperBound), log10(v))
                                           : (d.lowerBound, d.upperBound, v)
            return hi > lo ? a + (x - lo) / (hi - lo) * (b - a) : (a + b) / 2
        }
        let sx = { (v: Double) in project(v, xAxis.domain, isBars ? .linear : plot.xScale, area.x0, area.x1) }
        let sy = { (v: Double) in project(v, yAxis.domain, plot.yScale, area.y1, area.y0) }

        for (t, label) in zip(yAxis.ticks, tickLabels(yAxis.ticks)) {
            let y = sy(t)
            svg.line(x1: area.x0, y1: y, x2: area.x1, y2: y, stroke: "#e3e3e3")
            svg.text(label, x: area.x0 - 6, y: y + 4, size: 11, anchor: "end")
        }
        for (t, label) in zip(xAxis.ticks, tickLabels(xAxis.ticks)) {
            let x = sx(t)
            svg.line(x1: x, y1: area.y0, x2: x, y2: area.y1, stroke: "#e3e3e3")
            svg.text(label, x: x, y: area.y1 + 16, size: 11, anchor: "middle")
        }
        for (i, c) in categories.enumerated() {
            svg.text(String(c.prefix(18)), x: sx(Double(i)), y: area.y1 + 16, size: 11, anchor: "middle")
        }
        svg.rect(x: area.x0, y: area.y0, w: area.x1 - area.x0, h: area.y1 - area.y0, fill: "none", stroke: "#444444")

        // Series, clipped to the plot area.
        svg.open("<g clip-path=\"url(#\(svg.clipID))\">")
        svg.defsClip(x: area.x0, y: area.y0, w: area.x1 - area.x0, h: area.y1 - area.y0)
        let barSeries = plot.series.filter { $0.style != .reference }.count
        let slot = 0.8 / Double(max(1, barSeries))
        var barIndex = 0
        for (i, s) in plot.series.enumerated() {
            let color = s.style == .reference ? "#555555" : Palette.color(i)
            let dash = s.style == .reference ? "5 4" : Palette.dash(i)
            let pts = s.points.filter { usable($0.x, isBars ? .linear : plot.xScale) && usable($0.y, plot.yScale) }
            let band = s.band.filter { usable($0.x, plot.xScale) }
            if band.count >= 2 {
                let floorY = yAxis.domain.lowerBound
                let upper = band.map { (sx($0.x), sy(usable($0.high, plot.yScale) ? $0.high : floorY)) }
                let lower = band.reversed().map { (sx($0.x), sy(usable($0.low, plot.yScale) ? $0.low : floorY)) }
                svg.polygon(upper + lower, fill: color, opacity: 0.18)
            }
            if isBars && s.style != .reference {
                let base = plot.yScale == .log ? yAxis.domain.lowerBound : 0
                for p in pts {
                    let xc = sx(p.x - 0.4 + slot * (Double(barIndex) + 0.5))
                    let w = (sx(slot) - sx(0)) * 0.9
                    let (ya, yb) = (sy(p.y), sy(base))
                    svg.rect(x: xc - w / 2, y: min(ya, yb), w: w, h: abs(yb - ya), fill: color, stroke: "none", opacity: 0.85)
                    errorBar(p, x: xc, sy: sy, scale: plot.yScale, into: &svg)
                }
                barIndex += 1
                continue
            }
            if s.style != .markers, pts.count >= 2 {
                svg.polyline(pts.map { (sx($0.x), sy($0.y)) }, stroke: color, width: s.style == .reference ? 1.2 : 1.8, dash: dash)
            }
            for p in pts {
                errorBar(p, x: sx(p.x), sy: sy, scale: plot.yScale, color: color, into: &svg)
            }
            if s.style == .markers || s.style == .lineAndMarkers || pts.count == 1 {
                for p in pts { svg.marker(Palette.marker(i), x: sx(p.x), y: sy(p.y), color: color) }
            }
        }
        svg.close("</g>")
        drawLabels(plot, layout: layout, into: &svg)
    }

    static func errorBar(_ p: PlotPoint, x: Double, sy: (Double) -> Double, scale: Plot.Scale,
                         color: String = "#222222", into svg: inout SVGBuilder) {
        guard let lo = p.yLow, let hi = p.yHigh, hi.isFinite, lo.isFinite, hi > lo else { return }
        // On a log axis a bar reaching ≤ 0 is cut at the bottom of the plot.
        let ylo = scale == .log && lo <= 0 ? 1e6 : sy(lo)
        let yhi = sy(hi)
        svg.line(x1: x, y1: ylo, x2: x, y2: yhi, stroke: color)
        svg.line(x1: x - 4, y1: yhi, x2: x + 4, y2: yhi, stroke: color)
        if ylo < 1e5 { svg.line(x1: x - 4, y1: ylo, x2: x + 4, y2: ylo, stroke: color) }
    }

    static func drawLabels(_ plot: Plot, layout: Layout, into svg: inout SVGBuilder) {
        let area = layout.area
        svg.text(plot.xLabel + (plot.xScale == .log ? " (log)" : ""), x: (area.x0 + area.x1) / 2, y: area.y1 + bottom - 18, size: 13, anchor: "middle")
        svg.text(plot.yLabel + (plot.yScale == .log ? " (log)" : ""), x: 18, y: (area.y0 + area.y1) / 2, size: 13,
                 anchor: "middle", rotate: true)
        // Legend, right of the plot, every entry in full (long names wrapped).
        var y = area.y0 + 8
        let lx = area.x1 + 14
        for (i, lines) in layout.legend {
            let s = plot.series[i]
            let color = s.style == .reference ? "#555555" : Palette.color(i)
            let dash = s.style == .reference ? "5 4" : Palette.dash(i)
            if case .bars = plot.kind, s.style != .reference {
                svg.rect(x: lx, y: y - 5, w: 18, h: 10, fill: color, stroke: "none", opacity: 0.85)
            } else {
                if s.style != .markers { svg.polyline([(lx, y), (lx + 22, y)], stroke: color, width: 2, dash: dash) }
                if s.style != .line && s.style != .reference { svg.marker(Palette.marker(i), x: lx + 11, y: y, color: color) }
            }
            for line in lines {
                svg.text(line, x: lx + 28, y: y + 4, size: 11)
                y += legendLine
            }
            y += legendGap
        }
        var ny = layout.height + 2
        for note in plot.notes {
            svg.text(note, x: area.x0, y: ny, size: 12, fill: "#111111")
            ny += noteLine
        }
    }

    /// Tick labels: plain decimals for moderate magnitudes, 1e-5 style otherwise.
    /// The fewest significant digits (≥ 3) that tell neighbouring ticks apart.
    static func tickLabels(_ ticks: [Double]) -> [String] {
        for digits in 3...12 {
            let labels = ticks.map { Format.number($0, digits: digits) }
            if Set(labels).count == labels.count { return labels }
        }
        return ticks.map { Format.number($0, digits: 12) }
    }
}
