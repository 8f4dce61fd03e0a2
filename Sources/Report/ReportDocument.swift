import Foundation

/// A report as content (sections of paragraphs, tables and figures), written
/// out as Markdown, HTML and standalone SVG files by `ReportWriter`.
public struct ReportDocument: Sendable {
    public var title: String
    public var sections: [Section]

    public init(title: String, sections: [Section] = []) {
        self.title = title
        self.sections = sections
    }

    public var figures: [Figure] {
        sections.flatMap { $0.blocks.compactMap { b -> Figure? in if case .figure(let f) = b { return f } else { return nil } } }
    }

    public var tables: [Table] {
        sections.flatMap { $0.blocks.compactMap { b -> Table? in if case .table(let t) = b { return t } else { return nil } } }
    }
}

public struct Section: Sendable {
    public var title: String
    public var blocks: [Block]

    public init(title: String, blocks: [Block] = []) {
        self.title = title
        self.blocks = blocks
    }
}

public enum Block: Sendable {
    case paragraph(String)
    case table(Table)
    case figure(Figure)
}

public struct Table: Sendable {
    public var caption: String
    public var header: [String]
    public var rows: [[String]]

    public init(caption: String, header: [String], rows: [[String]]) {
        self.caption = caption
        self.header = header
        self.rows = rows
    }
}

public struct Figure: Sendable {
    /// File stem of the standalone SVG (unique within the report).
    public var name: String
    public var caption: String
    public var plot: Plot

    public init(name: String, caption: String, plot: Plot) {
        self.name = name
        self.caption = caption
        self.plot = plot
    }
}
