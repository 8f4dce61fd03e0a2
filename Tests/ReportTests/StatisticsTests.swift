import Foundation
import TestSupport
import Testing
@testable import Report

@Suite struct StatisticsTests {
    @Test func meanAndSampleStdMatchAHandComputation() throws {
        let xs = [0.25, 0.5, 0.125, 1.0, 0.75]
        let s = try #require(Summary.of(xs))
        var sum = 0.0
        for x in xs { sum += x }
        let mean = sum / Double(xs.count)
        var ss = 0.0
        for x in xs { ss += (x - mean) * (x - mean) }
        let std = (ss / Double(xs.count - 1)).squareRoot()
        #expect(s.n == 5)
        #expect(abs(s.mean - mean) < 1e-15)
        #expect(abs(try #require(s.std) - std) < 1e-15)
        #expect(s.min == 0.125 && s.max == 1.0)
    }

    @Test func singleValueHasNoStdAndNonFiniteIsDropped() throws {
        let s = try #require(Summary.of([3.5, .nan, .infinity]))
        #expect(s.n == 1 && s.mean == 3.5 && s.std == nil)
        #expect(Format.meanStd(s) == "3.5 ± —")
        #expect(Summary.of([]) == nil && Summary.of([.nan]) == nil)
    }

    @Test func linearFitRecoversAnExactLineWithZeroError() throws {
        let x = (0..<10).map(Double.init)
        let y = x.map { 2.5 - 0.75 * $0 }
        let f = try #require(Fit.linear(x: x, y: y))
        #expect(abs(f.slope + 0.75) < 1e-12 && abs(f.intercept - 2.5) < 1e-12)
        #expect(try #require(f.slopeStdError) < 1e-12)
        #expect(abs(try #require(f.r2) - 1) < 1e-12)
        #expect(Fit.linear(x: [1, 1, 1], y: [1, 2, 3]) == nil)
        #expect(Fit.linear(x: [1], y: [1]) == nil)
    }

    @Test func logLogSlopeOfANoisyPowerLawIsRecovered() throws {
        // metric = c · m^(−1/2) · noise, noise within ±10 %, 5 seeds per width.
        var noise = SplitMix(seed: 42)
        var ms: [Double] = [], ys: [Double] = []
        for m in [64.0, 128, 256, 512, 1024, 2048, 4096] {
            for _ in 0..<5 {
                ms.append(m)
                ys.append(3.0 * pow(m, -0.5) * noise.factor(within: 0.1))
            }
        }
        let f = try #require(Fit.logLog(x: ms, y: ys))
        let se = try #require(f.slopeStdError)
        #expect(abs(f.slope + 0.5) < 0.05, "slope \(f.slope)")
        #expect(se > 0 && se < 0.05)
        #expect(abs(f.slope + 0.5) < 4 * se + 1e-3)
        #expect(try #require(f.r2) > 0.95)
        // Non-positive values are skipped, not fatal.
        #expect(Fit.logLog(x: ms + [0, -1], y: ys + [1, 1])?.n == ms.count)
    }

    @Test func pearsonCorrelation() throws {
        let x = [1.0, 2, 3, 4, 5]
        #expect(abs(try #require(Fit.pearson(x: x, y: x.map { 3 * $0 + 1 })) - 1) < 1e-12)
        #expect(abs(try #require(Fit.pearson(x: x, y: x.map { -$0 })) + 1) < 1e-12)
        let y = [2.0, 1, 4, 3, 5]
        // Hand computation: mean 3 each; Sxy = 8, Sxx = Syy = 10.
        #expect(abs(try #require(Fit.pearson(x: x, y: y)) - 0.8) < 1e-12)
        #expect(Fit.pearson(x: x, y: [1, 1, 1, 1, 1]) == nil)
    }

    @Test func numberFormatting() {
        #expect(Format.number(0.0391) == "0.0391")
        #expect(Format.number(1.5e-5) == "1.5e-5")
        #expect(Format.number(12345) == "12345")
        #expect(Format.number(2.0) == "2")
        #expect(Format.number(-0.5) == "-0.5")
        #expect(Format.number(3.2e7) == "3.2e7")
    }
}
