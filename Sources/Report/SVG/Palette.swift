/// Okabe–Ito colours: distinguishable under the common colour-vision deficiencies.
/// Past eight series, marker shapes and dashes tell series apart as well.
enum Palette {
    static let colors = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]
    static let dashes = ["", "6 3", "2 3", "8 3 2 3"]

    static func color(_ i: Int) -> String { colors[i % colors.count] }
    static func dash(_ i: Int) -> String { dashes[(i / colors.count) % dashes.count] }
    static func marker(_ i: Int) -> Marker { Marker.allCases[(i / colors.count + i) % Marker.allCases.count] }

    enum Marker: CaseIterable { case circle, square, triangle, diamond }
}
