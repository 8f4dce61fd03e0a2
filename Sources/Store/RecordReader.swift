import Foundation
import TrialContract

/// The fast path of `LineCodec.decodeRecord`: reads a trial line as
/// `LineCodec.encode` writes it, in one pass (`JSONScanner`, `ConfigReader`).
/// Nil for anything else — an unknown or repeated member, an escaped string,
/// an odd number — and the caller decodes with `JSONDecoder`, which names
/// the problem. So merge, export and report read a million records in
/// seconds, while what counts as a valid line stays defined in one place.
enum RecordReader {
    static func read(_ line: [UInt8]) -> TrialRecord? {
        var r = JSONScanner(line)
        var kind: String?, id: String?, sweep: String?, status: TrialStatus?, message: String??
        var metrics: [String: Double]?, stepsRun: Int?, stop: StopReason?, seconds: Double?, metricSeconds: Double?
        var halving: HalvingTag?
        var worker: String?, host: String?, attempt: Int?, started: Date?, ended: Date?, build: String?, blas: String?
        var config: TrialConfig?, curves: [String: CurveForm]?, curveSteps: [Int]?, crc: String?
        guard r.object({ r, key in
            switch key {
            case "kind" where kind == nil: kind = r.string(); return kind == "trial"
            case "id" where id == nil: id = r.string(); return id != nil
            case "sweep" where sweep == nil: sweep = r.string(); return sweep != nil
            case "status" where status == nil: status = r.trialStatus(); return status != nil
            case "message" where message == nil: message = r.nullableString(); return message != nil
            case "metrics" where metrics == nil: metrics = r.numbers(); return metrics != nil
            case "steps_run" where stepsRun == nil: stepsRun = r.int(); return stepsRun != nil
            case "stop" where stop == nil: stop = r.string().flatMap(StopReason.init(rawValue:)); return stop != nil
            case "halving" where halving == nil: halving = HalvingTag.scan(&r); return halving != nil
            case "seconds" where seconds == nil: seconds = r.double(); return seconds != nil
            case "metric_seconds" where metricSeconds == nil: metricSeconds = r.double(); return metricSeconds != nil
            case "worker" where worker == nil: worker = r.string(); return worker != nil
            case "host" where host == nil: host = r.string(); return host != nil
            case "attempt" where attempt == nil: attempt = r.int(); return attempt != nil
            case "build" where build == nil: build = r.string(); return build != nil
            case "blas" where blas == nil: blas = r.string(); return blas != nil
            case "started_at" where started == nil: started = r.string().flatMap(Timestamp.parse); return started != nil
            case "ended_at" where ended == nil: ended = r.string().flatMap(Timestamp.parse); return ended != nil
            case "config" where config == nil: config = r.config(); return config != nil
            case "curves" where curves == nil: curves = r.curveForms(); return curves != nil
            case "curve_steps" where curveSteps == nil: curveSteps = r.array { $0.int() }; return curveSteps != nil
            case "crc32" where crc == nil: crc = r.string(); return crc != nil
            default: return false
            }
        }), r.atEnd(), kind != nil, let id, let status, let metrics, let stepsRun, let seconds,
              let worker, let host, let attempt, let started, let ended, let config,
              let resolved = CurveForm.resolve(curves ?? [:], steps: curveSteps) else { return nil }
        let result = TrainingResult(status: status, message: message ?? nil, metrics: metrics, curves: resolved,
                                    stepsRun: stepsRun, stop: stop, timing: Timing(seconds: seconds, metricSeconds: metricSeconds ?? 0))
        return TrialRecord(id: TrialID(rawValue: id), sweep: sweep ?? "", config: config, result: result, worker: worker,
                           host: host, attempt: attempt, startedAt: started, endedAt: ended, build: build, blas: blas, halving: halving)
    }
}
