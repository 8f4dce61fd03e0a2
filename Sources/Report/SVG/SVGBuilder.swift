import Foundation

/// Accumulates SVG elements; every piece of text is XML-escaped here.
struct SVGBuilder {
    private var body: [String] = []
    private var defs: [String] = []
    /// Unique per page so several inlined plots don't share ids.
    let clipID: String

    init(clipID: String) { self.clipID = clipID }

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            // XML 1.0 forbids most control characters, even escaped.
            case _ where ch.value < 0x20 && ch != "\n" && ch != "\t": out += " "
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    static func n(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        return String(format: "%.2f", v)
    }

    mutating func open(_ tag: String) { body.append(tag) }
    mutating func close(_ tag: String) { body.append(tag) }

    mutating func defsClip(x: Double, y: Double, w: Double, h: Double) {
        defs.append("<clipPath id=\"\(clipID)\"><rect x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" width=\"\(Self.n(w))\" height=\"\(Self.n(h))\"/></clipPath>")
    }

    mutating func rect(x: Double, y: Double, w: Double, h: Double, fill: String, stroke: String, opacity: Double = 1) {
        body.append("<rect x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" width=\"\(Self.n(max(0, w)))\" height=\"\(Self.n(max(0, h)))\" fill=\"\(fill)\" stroke=\"\(stroke)\"\(opacity < 1 ? " fill-opacity=\"\(opacity)\"" : "")/>")
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String) {
        body.append("<line x1=\"\(Self.n(x1))\" y1=\"\(Self.n(y1))\" x2=\"\(Self.n(x2))\" y2=\"\(Self.n(y2))\" stroke=\"\(stroke)\" stroke-width=\"1\"/>")
    }

    mutating func polyline(_ pts: [(Double, Double)], stroke: String, width: Double, dash: String) {
        let p = pts.map { "\(Self.n($0.0)),\(Self.n($0.1))" }.joined(separator: " ")
        body.append("<polyline points=\"\(p)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(width)\" stroke-linejoin=\"round\"\(dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")/>")
    }

    mutating func polygon(_ pts: [(Double, Double)], fill: String, opacity: Double) {
        let p = pts.map { "\(Self.n($0.0)),\(Self.n($0.1))" }.joined(separator: " ")
        body.append("<polygon points=\"\(p)\" fill=\"\(fill)\" fill-opacity=\"\(opacity)\" stroke=\"none\"/>")
    }

    mutating func marker(_ m: Palette.Marker, x: Double, y: Double, color: String) {
        let r = 3.6
        switch m {
        case .circle:
            body.append("<circle cx=\"\(Self.n(x))\" cy=\"\(Self.n(y))\" r=\"\(r)\" fill=\"\(color)\"/>")
        case .square:
            rect(x: x - r, y: y - r, w: 2 * r, h: 2 * r, fill: color, stroke: "none")
        case .triangle:
            polygonSolid([(x, y - r * 1.2), (x + r * 1.1, y + r * 0.8), (x - r * 1.1, y + r * 0.8)], fill: color)
        case .diamond:
            polygonSolid([(x, y - r * 1.3), (x + r, y), (x, y + r * 1.3), (x - r, y)], fill: color)
        }
    }

    private mutating func polygonSolid(_ pts: [(Double, Double)], fill: String) {
        let p = pts.map { "\(Self.n($0.0)),\(Self.n($0.1))" }.joined(separator: " ")
        body.append("<polygon points=\"\(p)\" fill=\"\(fill)\"/>")
    }

    mutating func text(_ s: String, x: Double, y: Double, size: Double, anchor: String = "start", weight: String = "normal",
                       fill: String = "#222222", rotate: Bool = false, title: String? = nil, halo: Bool = false) {
        let transform = rotate ? " transform=\"rotate(-90 \(Self.n(x)) \(Self.n(y)))\"" : ""
        let haloAttrs = halo ? " stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\"" : ""
        let titleTag = title.map { "<title>\(Self.escape($0))</title>" } ?? ""
        body.append("<text x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" font-size=\"\(Self.n(size))\" text-anchor=\"\(anchor)\" font-weight=\"\(weight)\" fill=\"\(fill)\"\(haloAttrs)\(transform)>\(titleTag)\(Self.escape(s))</text>")
    }

    func finish(width w: Double, height h: Double) -> String {
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
            + "<defs>" + defs.joined() + "</defs>\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
            + body.joined(separator: "\n") + "\n</svg>\n"
    }
}
