import Foundation

/// What a figure shows, independent of how it is drawn.
public struct Plot: Sendable {
    public enum Scale: Sendable, Equatable { case linear, log }
    public enum Kind: Sendable, Equatable {
        /// x and y are numbers.
        case xy
        /// Grouped bars: x of each point is the index into `categories`.
        case bars(categories: [String])
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var xScale: Scale
    public var yScale: Scale
    public var kind: Kind
    public var series: [PlotSeries]
    /// Text printed inside the plot (fitted slopes, correlations).
    public var notes: [String]

    public init(title: String, xLabel: String, yLabel: String, xScale: Scale = .linear, yScale: Scale = .linear,
                kind: Kind = .xy, series: [PlotSeries] = [], notes: [String] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xScale = xScale
        self.yScale = yScale
        self.kind = kind
        self.series = series
        self.notes = notes
    }
}

public struct PlotPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double
    /// Error bar from yLow to yHigh (nil: none).
    public var yLow: Double?
    public var yHigh: Double?

    public init(x: Double, y: Double, yLow: Double? = nil, yHigh: Double? = nil) {
        self.x = x
        self.y = y
        self.yLow = yLow
        self.yHigh = yHigh
    }

    /// A mean with ± one standard deviation as the error bar.
    public init(x: Double, summary: Summary) {
        self.init(x: x, y: summary.mean, yLow: summary.std.map { summary.mean - $0 },
                  yHigh: summary.std.map { summary.mean + $0 })
    }
}

public struct PlotSeries: Sendable {
    public enum Style: Sendable, Equatable {
        case line, markers, lineAndMarkers
        /// A thin dashed line: fits and reference curves.
        case reference
    }

    public var name: String
    public var points: [PlotPoint]
    public var style: Style
    /// A shaded band (x, low, high), e.g. mean ± std of a curve over seeds.
    public var band: [(x: Double, low: Double, high: Double)]

    public init(name: String, points: [PlotPoint], style: Style = .lineAndMarkers,
                band: [(x: Double, low: Double, high: Double)] = []) {
        self.name = name
        self.points = points
        self.style = style
        self.band = band
    }
}
