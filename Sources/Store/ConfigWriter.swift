import Training

/// Writes a `TrialConfig` as the JSON object its `Codable` conformance would
/// produce (same keys, same order), without going through `Encoder`: Codable's
/// generic containers cost two thirds of the store's write time.
/// `CodecTests.theConfigIsWrittenAsFoundationWouldWriteIt` compares the two on
/// several configs, so a field added to `TrialConfig` and not here fails CI.
enum ConfigWriter {
    struct NonFinite: Error { var field: TrialConfig.Field }

    static func write(_ c: TrialConfig, to w: inout JSONWriter) throws(NonFinite) {
        func finite(_ v: Double, _ f: TrialConfig.Field) throws(NonFinite) {
            if !v.isFinite { throw NonFinite(field: f) }
        }
        w.beginObject()
        w.key(TrialConfig.Field.seed.rawValue); w.uint(c.seed)
        w.key(TrialConfig.Field.dtype.rawValue); w.string(c.dtype.rawValue)
        w.key(TrialConfig.Field.data.rawValue); w.string(c.data.rawValue)
        w.key(TrialConfig.Field.dim.rawValue); w.int(c.dim)
        w.key(TrialConfig.Field.nTrain.rawValue); w.int(c.nTrain)
        w.key(TrialConfig.Field.nTest.rawValue); w.int(c.nTest)
        w.key(TrialConfig.Field.margin.rawValue); try finite(c.margin, .margin); w.double(c.margin)
        w.key(TrialConfig.Field.labelFlip.rawValue); try finite(c.labelFlip, .labelFlip); w.double(c.labelFlip)
        if let v = c.noiseStd { w.key(TrialConfig.Field.noiseStd.rawValue); try finite(v, .noiseStd); w.double(v) }
        w.key(TrialConfig.Field.separation.rawValue); try finite(c.separation, .separation); w.double(c.separation)
        w.key(TrialConfig.Field.clusters.rawValue); w.int(c.clusters)
        if let v = c.biasCoordinate { w.key(TrialConfig.Field.biasCoordinate.rawValue); try finite(v, .biasCoordinate); w.double(v) }
        if let v = c.dataFile { w.key(TrialConfig.Field.dataFile.rawValue); w.string(v) }
        w.key(TrialConfig.Field.testFraction.rawValue); try finite(c.testFraction, .testFraction); w.double(c.testFraction)
        w.key(TrialConfig.Field.width.rawValue); w.int(c.width)
        w.key(TrialConfig.Field.depth.rawValue); w.int(c.depth)
        w.key(TrialConfig.Field.residual.rawValue); w.bool(c.residual)
        w.key(TrialConfig.Field.theta.rawValue); try finite(c.theta, .theta); w.double(c.theta)
        w.key(TrialConfig.Field.inputLayer.rawValue); w.string(c.inputLayer.rawValue)
        w.key(TrialConfig.Field.outputLayer.rawValue); w.string(c.outputLayer.rawValue)
        w.key(TrialConfig.Field.outputs.rawValue); w.int(c.outputs)
        w.key(TrialConfig.Field.bias.rawValue); w.bool(c.bias)
        w.key(TrialConfig.Field.biasInitStd.rawValue); try finite(c.biasInitStd, .biasInitStd); w.double(c.biasInitStd)
        w.key(TrialConfig.Field.activation.rawValue); w.string(c.activation.rawValue)
        w.key(TrialConfig.Field.alpha.rawValue); try finite(c.alpha, .alpha); w.double(c.alpha)
        w.key(TrialConfig.Field.rescaled.rawValue); w.bool(c.rescaled)
        w.key(TrialConfig.Field.smoothing.rawValue); try finite(c.smoothing, .smoothing); w.double(c.smoothing)
        w.key(TrialConfig.Field.initPreset.rawValue); w.string(c.initPreset.rawValue)
        if let v = c.initInputVar { w.key(TrialConfig.Field.initInputVar.rawValue); try finite(v, .initInputVar); w.double(v) }
        if let v = c.initHiddenVar { w.key(TrialConfig.Field.initHiddenVar.rawValue); try finite(v, .initHiddenVar); w.double(v) }
        if let v = c.initOutputVar { w.key(TrialConfig.Field.initOutputVar.rawValue); try finite(v, .initOutputVar); w.double(v) }
        w.key(TrialConfig.Field.train.rawValue); w.string(c.train)
        w.key(TrialConfig.Field.loss.rawValue); w.string(c.loss.rawValue)
        w.key(TrialConfig.Field.reduction.rawValue); w.string(c.reduction.rawValue)
        w.key(TrialConfig.Field.optimizer.rawValue); w.string(c.optimizer.rawValue)
        w.key(TrialConfig.Field.lr.rawValue); try finite(c.lr, .lr); w.double(c.lr)
        w.key(TrialConfig.Field.lrScaling.rawValue); w.string(c.lrScaling.rawValue)
        w.key(TrialConfig.Field.batchSize.rawValue); w.int(c.batchSize)
        w.key(TrialConfig.Field.momentum.rawValue); try finite(c.momentum, .momentum); w.double(c.momentum)
        w.key(TrialConfig.Field.weightDecay.rawValue); try finite(c.weightDecay, .weightDecay); w.double(c.weightDecay)
        w.key(TrialConfig.Field.lrDecayEvery.rawValue); w.int(c.lrDecayEvery)
        w.key(TrialConfig.Field.lrDecayFactor.rawValue); try finite(c.lrDecayFactor, .lrDecayFactor); w.double(c.lrDecayFactor)
        w.key(TrialConfig.Field.steps.rawValue); w.int(c.steps)
        w.key(TrialConfig.Field.metrics.rawValue); w.string(c.metrics.rawValue)
        w.key(TrialConfig.Field.namedSteps.rawValue); w.beginArray(); for v in c.namedSteps { w.int(v) }; w.endArray()
        w.endObject()
    }
}
