import Foundation
import TrialContract

/// Reads the per-trial bodies (lease, result) the way `BodyWriter` writes
/// them, in one pass with `JSONScanner`, without Foundation's `JSONDecoder`.
/// Returns nil for anything it does not expect (an escaped string, an
/// unknown or repeated member, malformed JSON …): `Codec.decode` then uses
/// `JSONDecoder`, which accepts what it accepts and names the problem
/// otherwise. So this is only ever a shortcut, never a second definition of
/// what is valid.
enum BodyReader {
    static func lease(_ body: [UInt8]) -> Lease? {
        var r = JSONScanner(body)
        var leaseID: UInt64?, expiresIn: Double?, trials: [LeasedTrial]?
        guard r.object({ r, key in
            switch key {
            case "leaseID" where leaseID == nil: leaseID = r.uint(); return leaseID != nil
            case "expiresIn" where expiresIn == nil: expiresIn = r.double(); return expiresIn != nil
            case "trials" where trials == nil: trials = r.array({ s in s.leasedTrial() }); return trials != nil
            default: return false
            }
        }), r.atEnd(), let leaseID, let expiresIn, let trials else { return nil }
        return Lease(leaseID: leaseID, expiresIn: expiresIn, trials: trials)
    }

    static func results(_ body: [UInt8]) -> Results? {
        var r = JSONScanner(body)
        var reports: [TrialResultReport]?
        guard r.object({ r, key in
            guard key == "reports", reports == nil else { return false }
            reports = r.array({ s in s.report() })
            return reports != nil
        }), r.atEnd(), let reports else { return nil }
        return Results(reports: reports)
    }
}

private extension JSONScanner {
    mutating func leasedTrial() -> LeasedTrial? {
        var id: String?, sweep: String?, attempt: Int?, config: TrialConfig?
        guard object({ r, key in
            switch key {
            case "id" where id == nil: id = r.string(); return id != nil
            case "sweep" where sweep == nil: sweep = r.string(); return sweep != nil
            case "attempt" where attempt == nil: attempt = r.int(); return attempt != nil
            case "config" where config == nil: config = r.config(); return config != nil
            default: return false
            }
        }), let id, let sweep, let attempt, let config else { return nil }
        return LeasedTrial(id: TrialID(rawValue: id), sweep: sweep, attempt: attempt, config: config)
    }

    mutating func report() -> TrialResultReport? {
        var leaseID: UInt64?, trialID: String?, sweep: String?, attempt: Int?, config: TrialConfig?
        var result: TrainingResult?, started: Double?, ended: Double?
        guard object({ r, key in
            switch key {
            case "leaseID" where leaseID == nil: leaseID = r.uint(); return leaseID != nil
            case "trialID" where trialID == nil: trialID = r.string(); return trialID != nil
            case "sweep" where sweep == nil: sweep = r.string(); return sweep != nil
            case "attempt" where attempt == nil: attempt = r.int(); return attempt != nil
            case "config" where config == nil: config = r.config(); return config != nil
            case "result" where result == nil: result = r.trainingResult(); return result != nil
            case "startedAt" where started == nil: started = r.double(); return started != nil
            case "endedAt" where ended == nil: ended = r.double(); return ended != nil
            default: return false
            }
        }), let leaseID, let trialID, let sweep, let attempt, let result, let started, let ended else { return nil }
        return TrialResultReport(leaseID: leaseID, trialID: TrialID(rawValue: trialID), sweep: sweep, attempt: attempt,
                                 config: config, result: result, startedAt: Date(timeIntervalSince1970: started),
                                 endedAt: Date(timeIntervalSince1970: ended))
    }

    mutating func trainingResult() -> TrainingResult? {
        var status: TrialStatus?, message: String??, metrics: [String: Double]?, curves: [String: Curve]?
        var stepsRun: Int?, stop: StopReason?, timing: Timing?
        guard object({ r, key in
            switch key {
            case "status" where status == nil: status = r.trialStatus(); return status != nil
            case "message" where message == nil: message = r.nullableString(); return message != nil
            case "metrics" where metrics == nil: metrics = r.numbers(); return metrics != nil
            case "curves" where curves == nil: curves = r.curves(); return curves != nil
            case "steps_run" where stepsRun == nil: stepsRun = r.int(); return stepsRun != nil
            case "stop" where stop == nil: stop = r.string().flatMap(StopReason.init(rawValue:)); return stop != nil
            case "timing" where timing == nil:
                var seconds: Double?, metricSeconds: Double?
                guard r.object({ r, key in
                    switch key {
                    case "seconds" where seconds == nil: seconds = r.double(); return seconds != nil
                    case "metric_seconds" where metricSeconds == nil: metricSeconds = r.double(); return metricSeconds != nil
                    default: return false
                    }
                }), let seconds, let metricSeconds else { return false }
                timing = Timing(seconds: seconds, metricSeconds: metricSeconds)
            default: return false
            }
            return true
        }), let status, let metrics, let curves, let stepsRun, let timing else { return nil }
        return TrainingResult(status: status, message: message ?? nil, metrics: metrics, curves: curves, stepsRun: stepsRun,
                              stop: stop, timing: timing)
    }
}
