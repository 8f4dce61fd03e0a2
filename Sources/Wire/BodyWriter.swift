import Foundation
import TrialContract

/// Writes the bodies of the messages sent once or more per trial (lease,
/// result, ack, worker status) straight to bytes with the shared
/// `JSONWriter` (and the contract's config/metrics/curves writers), instead of Foundation's `JSONEncoder`, which
/// cost most of the coordinator's time per trial. The JSON is the one
/// `JSONEncoder` writes for these types (same keys; dates as seconds since
/// 1970), so `Codec.decode` (and any older peer) reads it unchanged;
/// `CodecTests` compares the two.
enum BodyWriter {
    static func lease(_ m: Lease, to w: inout JSONWriter) throws {
        w.beginObject()
        w.key("leaseID"); w.uint(m.leaseID)
        w.key("expiresIn"); try double(m.expiresIn, "expiresIn", to: &w)
        w.key("trials"); w.beginArray()
        for t in m.trials {
            w.beginObject()
            w.key("id"); w.string(t.id.rawValue)
            w.key("sweep"); w.string(t.sweep)
            w.key("attempt"); w.int(t.attempt)
            w.key("config"); try w.config(t.config)
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }

    static func results(_ m: Results, to w: inout JSONWriter) throws {
        w.beginObject()
        w.key("reports"); w.beginArray()
        for r in m.reports {
            w.beginObject()
            w.key("leaseID"); w.uint(r.leaseID)
            w.key("trialID"); w.string(r.trialID.rawValue)
            w.key("sweep"); w.string(r.sweep)
            w.key("attempt"); w.int(r.attempt)
            if let c = r.config { w.key("config"); try w.config(c) }
            w.key("result"); try result(r.result, to: &w)
            w.key("startedAt"); try double(r.startedAt.timeIntervalSince1970, "startedAt", to: &w)
            w.key("endedAt"); try double(r.endedAt.timeIntervalSince1970, "endedAt", to: &w)
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }

    static func ack(_ m: Ack, to w: inout JSONWriter) {
        w.beginObject()
        w.key("trials"); w.beginArray()
        for id in m.trials { w.string(id.rawValue) }
        w.endArray()
        w.endObject()
    }

    static func status(_ m: WorkerStatus, to w: inout JSONWriter) {
        w.beginObject()
        w.key("capacity"); w.int(m.capacity)
        w.key("held"); w.beginArray()
        for id in m.held { w.uint(id) }
        w.endArray()
        w.key("lastLease"); w.uint(m.lastLease)
        w.endObject()
    }

    /// `TrainingResult` as its Codable conformance writes it (nil message left out).
    static func result(_ r: TrainingResult, to w: inout JSONWriter) throws {
        w.beginObject()
        w.key("status"); w.string(r.status.rawValue)
        if let m = r.message { w.key("message"); w.string(m) }
        w.key("metrics"); try w.metrics(r.metrics)
        w.key("curves"); try w.curves(r.curves)
        w.key("steps_run"); w.int(r.stepsRun)
        if let stop = r.stop { w.key("stop"); w.string(stop.rawValue) }
        w.key("timing"); w.beginObject()
        w.key("seconds"); try double(r.timing.seconds, "timing.seconds", to: &w)
        w.key("metric_seconds"); try double(r.timing.metricSeconds, "timing.metric_seconds", to: &w)
        w.endObject()
        w.endObject()
    }

    private static func double(_ v: Double, _ what: @autoclosure () -> String, to w: inout JSONWriter) throws {
        guard v.isFinite else { throw NonFiniteNumber(what: what()) }
        w.double(v)
    }
}
