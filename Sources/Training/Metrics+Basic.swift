import Foundation
import TrialContract

/// Cheap docs/science.md §6 metrics, recorded on every run (O(parameters) per
/// recorded step, nothing per training step):
///
/// - curves `dist_from_init_<layer>`, `dist_from_init` (‖W_l − W_l(0)‖_F, bias
///   included; the final values are the loop's own metrics of those names);
/// - `grad_norm_<layer>` = ‖∇_{W_l}L‖_F (bias included) and
///   `grad_norm_sq_over_loss` = ‖∇L‖²/L, curve and final value;
/// - `weight_norm` = ‖V‖ over all trainable parameters and
///   `grad_weight_alignment` = cos(−∇L, V) ([CLB21]'s alignment), curve and final;
/// - at the end, rate estimates from the train_loss curve: `gamma_hat` =
///   (L(1000)/L(100))^{1/900} ([GLL24]; runs of ≥ 1000 steps),
///   `loss_loglinear_slope` = slope of log L against t over [100, 1000] (or the
///   last decade [T/10, T] of shorter runs; log γ per step), and
///   `loss_loglog_slope` = slope of log L against log t over the last decade
///   [T/10, T] ([CLB21]: −1 for J_t ∝ 1/t; runs of ≥ 100 steps).
///
/// Under SGD the gradient is the step's minibatch gradient (what the
/// optimiser used) while the loss is the full training loss.
struct BasicScienceProbe: MetricProbe {
    mutating func atRecord<T: BLASScalar>(_ run: TrialRun<T>, step: Int, _ sink: inout MetricSink) {
        var dist = 0.0, grad = 0.0, weight = 0.0, dot = 0.0
        for layer in run.net.trainableLayers {
            let d = layer.distanceFromInit()
            dist += d * d
            sink.append(LayerMetric.distFromInit.name(layer: layer.name), step: step, d)
            let g = layer.gradientNormSquared()
            grad += g
            sink.put(LayerMetric.gradNorm.name(layer: layer.name), step: step, g.squareRoot())
            let (w2, wg) = Self.normAndDot(layer)
            weight += w2
            dot += wg
        }
        sink.append(.distFromInit, step: step, dist.squareRoot())
        if let loss = sink.metrics[Metric.trainLoss.name], loss > 0 { sink.put(.gradNormSqOverLoss, step: step, grad / loss) }
        sink.put(.weightNorm, step: step, weight.squareRoot())
        if weight > 0 && grad > 0 { sink.put(.gradWeightAlignment, step: step, -dot / (weight * grad).squareRoot()) }
    }

    mutating func atEnd<T: BLASScalar>(_ run: TrialRun<T>, _ sink: inout MetricSink) {
        guard let curve = sink.curves[Metric.trainLoss.name], let last = curve.steps.last else { return }
        if let g = RateEstimates.contraction(curve, from: 100, to: 1000) { sink.set(.gammaHat, g) }
        let (from, to) = last >= 1000 ? (100, 1000) : (last / 10, last)
        if last >= 10, let s = RateEstimates.logLinearSlope(curve, from: from, to: to) { sink.set(.lossLogLinearSlope, s) }
        if last >= 100, let s = RateEstimates.logLogSlope(curve, from: last / 10, to: last) { sink.set(.lossLogLogSlope, s) }
    }

    /// (‖W‖² + ‖b‖², ⟨W, ∇W⟩ + ⟨b, ∇b⟩) of one trainable layer, in Double.
    static func normAndDot<T: BLASScalar>(_ layer: DenseLayer<T>) -> (Double, Double) {
        guard let gw = layer.gw else { return (0, 0) }
        var w2 = T.sumOfSquares(layer.w.p, layer.w.count), wg = T.dotDouble(layer.w.p, gw.p, layer.w.count)
        if let b = layer.b, let gb = layer.gb {
            w2 += T.sumOfSquares(b.p, b.count)
            wg += T.dotDouble(b.p, gb.p, b.count)
        }
        return (w2, wg)
    }
}
