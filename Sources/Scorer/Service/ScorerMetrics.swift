import Decisions
import Prometheus

/// The service's Prometheus metrics (text format at `/metrics`), one registry per service
/// (no global): counters of samples, trace events, requests and reloads, gauges of workloads and the
/// serving version, a histogram of risk scores.
final class ScorerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let samplesIngested: Counter
    let samplesDuplicate: Counter
    let traceEventsIngested: Counter
    let requestsRejected: Counter
    let modelReloads: Counter
    let modelReloadFailures: Counter
    let decisions: Counter
    let workloads: Gauge
    let risk: ValueHistogram

    init() {
        samplesIngested = registry.makeCounter(descriptor: Self.name("headroom_samples_ingested_total", help: "Samples written to the store and scored."))
        samplesDuplicate = registry.makeCounter(descriptor: Self.name("headroom_samples_duplicate_total", help: "Samples already stored (same workload and timestamp)."))
        traceEventsIngested = registry.makeCounter(descriptor: Self.name("headroom_trace_events_ingested_total", help: "Execution-trace events written to the store and fed to the online states."))
        requestsRejected = registry.makeCounter(descriptor: Self.name("headroom_requests_rejected_total", help: "Requests refused with a 4xx (malformed, oversized, unauthorised)."))
        modelReloads = registry.makeCounter(descriptor: Self.name("headroom_model_reloads_total", help: "Promoted model versions loaded."))
        modelReloadFailures = registry.makeCounter(descriptor: Self.name("headroom_model_reload_failures_total", help: "Promoted versions refused (corrupt or unreadable); the previous one kept serving."))
        decisions = registry.makeCounter(descriptor: Self.name("headroom_decisions_total", help: "Decisions journaled by the decision loop."))
        workloads = registry.makeGauge(descriptor: Self.name("headroom_workloads", help: "Workloads with online state."))
        risk = registry.makeValueHistogram(descriptor: Self.name("headroom_risk", help: "Calibrated risk scores computed."),
                                           buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99])
    }

    /// A metric name used as written (the unit, when there is one, is already in it).
    static func name(_ name: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    func text() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
