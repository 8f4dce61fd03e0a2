import TestSupport
import Testing
import TrialContract
@testable import Sweep

/// Each bad spec gets one line naming the file, the line, the key path and the problem.
@Suite struct SpecErrorTests {
    func expectError(_ yaml: String, line: Int?, path: String, contains fragment: String, code: SweepError.Code = .spec,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        guard let e = failure(yaml) else {
            Issue.record("spec was accepted", sourceLocation: sourceLocation)
            return
        }
        #expect(e.code == code, sourceLocation: sourceLocation)
        #expect(e.line == line, "\(e)", sourceLocation: sourceLocation)
        #expect(e.path == path, "\(e)", sourceLocation: sourceLocation)
        #expect(e.problem.contains(fragment), "\(e)", sourceLocation: sourceLocation)
        #expect(!e.description.contains("\n") && e.description.hasPrefix("t.yaml:"), sourceLocation: sourceLocation)
    }

    @Test func unknownKeysSuggestTheClosest() {
        expectError(baseYAML + "\ngrid:\n  widht: [16]", line: 10, path: "grid.widht",
                    contains: "unknown config key 'widht' (did you mean 'width'?)")
        expectError(baseYAML + "\n  lernrate: 0.1\ngrid: {width: [8]}", line: 9, path: "base.lernrate", contains: "unknown config key")
        expectError("bsae: {}\n" + baseYAML, line: 1, path: "bsae", contains: "did you mean 'base'?")
        expectError(baseYAML + "\ngrid:\n  width: {linspcae: [1, 2, 2]}", line: 10, path: "grid.width.linspcae",
                    contains: "did you mean 'linspace'?")
    }

    @Test func wrongTypesNameTheValue() {
        expectError(baseYAML + "\ngrid:\n  width: [16, wide]", line: 10, path: "grid.width[1]", contains: "expected an integer")
        expectError(baseYAML + "\ngrid:\n  activation: [relu, gelu]", line: 10, path: "grid.activation[1]", contains: "expected one of: relu")
        expectError(baseYAML + "\ngrid:\n  width: 16", line: 10, path: "grid.width", contains: "put it in base")
        expectError(baseYAML + "\ngrid:\n  seeds: many", line: 10, path: "grid.seeds", contains: "count ≥ 1")
    }

    @Test func emptyAxesAreRefused() {
        expectError(baseYAML + "\ngrid:\n  width: []", line: 10, path: "grid.width", contains: "empty axis")
        expectError(baseYAML + "\ngrid:\n  depth: {range: [5, 1]}", line: 10, path: "grid.depth.range", contains: "empty axis")
    }

    @Test func zipLengthsMustAgree() {
        expectError(baseYAML + "\ngrid:\n  zip:\n    width: [16, 32, 64]\n    lr: [0.1, 0.2]", line: 11, path: "grid.zip",
                    contains: "zip lengths differ: width has 3, lr has 2")
    }

    @Test func conditionsNeedAnAxis() {
        expectError(baseYAML + "\ngrid:\n  width: [16]\n  when:\n    - if: {activation: leaky}\n      alpha: [-1]",
                    line: 12, path: "grid.when[0].if.activation", contains: "not an axis here (it is fixed to relu in base)")
        expectError(baseYAML + "\ngrid:\n  activation: [relu, leaky]\n  when:\n    - if: {activation: leakyy}\n      alpha: [-1]",
                    line: 12, path: "grid.when[0].if.activation", contains: "'leakyy' is not a value of axis activation")
    }

    @Test func gridsLargerThanTheLimitAreRefused() {
        expectError("settings: {max_trials: 100}\n" + baseYAML + "\ngrid:\n  width: {range: [1, 20]}\n  seeds: 10",
                    line: 1, path: "", contains: "more than 100 trials", code: .tooLarge)
    }

    @Test func malformedYAMLGetsItsLine() {
        expectError(baseYAML + "\ngrid:\n  width: [16, 32\n  lr: [0.1]", line: 11, path: "", contains: "malformed YAML", code: .yaml)
        expectError("base: {data: x}\nbase: {}\n", line: 1, path: "", contains: "duplicate key 'base'", code: .yaml)
        expectError("- a\n- b\n", line: 1, path: "", contains: "expected a mapping with 'base' and 'grid'")
    }

    @Test func axesThatCannotMatterAreCaught() {
        // alpha under relu is reset by normalized(): these would be duplicate trials.
        expectError(baseYAML + "\ngrid:\n  activation: [leaky, relu]\n  alpha: [-1, 0.5]", line: 11, path: "grid.alpha",
                    contains: "where activation = relu")
        expectError(baseYAML + "\ngrid:\n  lr: [0.1, 0.10]", line: 10, path: "grid.lr[1]", contains: "appears twice")
    }

    @Test func gridPointsTheCoreWouldRefuseAreNamed() {
        let e = failure(baseYAML + "\n  output_layer: fixed_sign\ngrid:\n  width: [16, 31, 64]\n  seeds: 2")
        #expect(e?.code == .invalidTrial)
        #expect(e?.problem.contains("width=31 seed=0") == true && e?.problem.contains("fixed_sign needs an even width") == true, "\(String(describing: e))")
        #expect(e?.line == 12)
    }

    @Test func missingRequiredFieldsPointAtBase() {
        expectError(baseYAML.replacingOccurrences(of: "\n  steps: 10", with: "") + "\ngrid: {width: [8]}",
                    line: 1, path: "base", contains: "missing required config key 'steps'")
    }
}
