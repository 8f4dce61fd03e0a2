import Foundation

/// Writes a `ReportDocument` into a directory: report.md, index.html (plots
/// inline) and one .svg file per figure.
public enum ReportWriter {
    public struct Written: Sendable {
        public var markdown: URL
        public var html: URL
        public var svgs: [URL]
    }

    /// `indexHTML` replaces the page (the live view); by default it is `html(doc)`.
    public static func write(_ doc: ReportDocument, to directory: URL, indexHTML: String? = nil) throws -> Written {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var svgs: [URL] = []
        for f in doc.figures {
            let url = directory.appendingPathComponent(f.name + ".svg")
            try SVGRenderer.document(f.plot, id: f.name).write(to: url, atomically: true, encoding: .utf8)
            svgs.append(url)
        }
        let md = directory.appendingPathComponent("report.md")
        try markdown(doc).write(to: md, atomically: true, encoding: .utf8)
        let html = directory.appendingPathComponent("index.html")
        try (indexHTML ?? self.html(doc)).write(to: html, atomically: true, encoding: .utf8)
        return Written(markdown: md, html: html, svgs: svgs)
    }

    public static func markdown(_ doc: ReportDocument) -> String {
        var out = "# \(doc.title)\n"
        for s in doc.sections {
            out += "\n## \(s.title)\n"
            for b in s.blocks {
                switch b {
                case .paragraph(let p):
                    out += "\n\(p)\n"
                case .table(let t):
                    if !t.caption.isEmpty { out += "\n**\(cell(t.caption))**\n" }
                    out += "\n| " + t.header.map(cell).joined(separator: " | ") + " |\n"
                    out += "|" + t.header.map { _ in "---" }.joined(separator: "|") + "|\n"
                    for r in t.rows { out += "| " + r.map(cell).joined(separator: " | ") + " |\n" }
                case .figure(let f):
                    out += "\n![\(cell(f.caption))](\(f.name).svg)\n"
                }
            }
        }
        return out
    }

    /// A table cell: pipes and newlines would break the Markdown table.
    static func cell(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    /// The page's style sheet: wide tables scroll sideways inside their box,
    /// plots shrink to the page's width.
    static let style = """
        body { font-family: DejaVu Sans, Helvetica, Arial, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
        .table-box { overflow-x: auto; max-width: 100%; margin: 0.8em 0 1.6em; }
        table { border-collapse: collapse; font-size: 0.9em; }
        th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; white-space: nowrap; }
        th { background: #f2f2f2; } td:first-child, th:first-child { text-align: left; }
        figure { margin: 1em 0 2em; } figure svg { max-width: 100%; height: auto; } figcaption { font-size: 0.9em; color: #555; }
        caption { text-align: left; font-weight: bold; padding-bottom: 4px; }
        nav a { margin-right: 1em; }
        """

    public static func html(_ doc: ReportDocument) -> String {
        let e = SVGBuilder.escape
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(e(doc.title))</title>
            <style>
            \(style)
            </style></head><body>
            <h1>\(e(doc.title))</h1>

            """ + body(doc) + "</body></html>\n"
    }

    /// The sections as an HTML fragment (navigation, tables, inline plots): the
    /// page's body below its title, also what the live view swaps in.
    public static func body(_ doc: ReportDocument) -> String {
        let e = SVGBuilder.escape
        var out = "<nav>"
        for (i, s) in doc.sections.enumerated() { out += "<a href=\"#s\(i)\">\(e(s.title))</a>" }
        out += "</nav>\n"
        for (i, s) in doc.sections.enumerated() {
            out += "<h2 id=\"s\(i)\">\(e(s.title))</h2>\n"
            for b in s.blocks {
                switch b {
                case .paragraph(let p):
                    out += "<p>\(e(p).replacingOccurrences(of: "\n", with: "<br>"))</p>\n"
                case .table(let t):
                    out += "<div class=\"table-box\"><table>"
                    if !t.caption.isEmpty { out += "<caption>\(e(t.caption))</caption>" }
                    out += "<tr>" + t.header.map { "<th>\(e($0))</th>" }.joined() + "</tr>\n"
                    for r in t.rows { out += "<tr>" + r.map { "<td>\(e($0))</td>" }.joined() + "</tr>\n" }
                    out += "</table></div>\n"
                case .figure(let f):
                    out += "<figure id=\"\(e(f.name))\">\n" + SVGRenderer.element(f.plot, id: f.name)
                    out += "<figcaption>\(e(f.caption)) — <a href=\"\(e(f.name)).svg\">\(e(f.name)).svg</a></figcaption></figure>\n"
                }
            }
        }
        return out
    }
}
