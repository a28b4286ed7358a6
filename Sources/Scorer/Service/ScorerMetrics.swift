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
    /// Online member states found numerically degenerate and reset, by member
    /// (`OnlineWorkload.DegenerateResets`): arima, lstm, hmm.
    let degenerateResetsARIMA: Counter
    let degenerateResetsLSTM: Counter
    let degenerateResetsHMM: Counter
    /// Long windows the store could not give back as the state ingested them (`StoredHistory`):
    /// a naive spread left as it was, or a risk recount that kept the flags older than a day.
    let storedHistoryMissesNaive: Counter
    let storedHistoryMissesRisk: Counter
    /// Requests answered 503 because the store failed (`HeadroomStore.StorageFault`).
    let storeFaults: Counter
    /// 1 while the store is failing (`/healthz` unhealthy), else 0.
    let storeUnhealthy: Gauge
    /// Batches refused with 429 because they would create workloads past `--max-workloads`.
    let workloadCapRejections: Counter
    /// Requests answered 421 (another shard's workloads: `serve --shard`).
    let misdirectedRequests: Counter
    /// Decisions whose capacity the store refused to book (another shard took it first).
    let bookingRefusals: Counter
    /// Remote-write samples that gave a value to a stored row.
    let prometheusSamplesTaken: Counter
    /// Remote-write samples dropped, by reason (`ScoringService.RemoteWriteResult.dropped`).
    let prometheusDroppedByReason: [String: Counter]
    /// Remote-write requests refused with a 4xx (invalid samples, wrong headers, no mapping).
    let prometheusRequestsRefused: Counter

    /// The reasons `prometheusDropped` counts (each series created at start, so a
    /// dashboard sees zeros rather than absent series).
    static let prometheusDropReasons = ["no_rule", "missing_label", "invalid_name", "stale", "duplicate", "late", "counter_baseline", "no_limit", "other_shard"]

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
        let degenerate = Self.name("headroom_degenerate_state_resets_total",
                                   help: "Online member states (ARIMA Kalman, LSTM, HMM posterior) found numerically degenerate (NaN, overflow, not a distribution) and reset; the workload keeps being scored.")
        degenerateResetsARIMA = registry.makeCounter(descriptor: degenerate, labels: [("member", "arima")])
        degenerateResetsLSTM = registry.makeCounter(descriptor: degenerate, labels: [("member", "lstm")])
        degenerateResetsHMM = registry.makeCounter(descriptor: degenerate, labels: [("member", "hmm")])
        let misses = Self.name("headroom_stored_history_misses_total",
                               help: "Long windows read back from the store that did not end in the workload's newest sample (store changed behind the scorer, or a read failed): the naive spread kept, or the risk's older flags kept as judged before.")
        storedHistoryMissesNaive = registry.makeCounter(descriptor: misses, labels: [("window", "naive")])
        storedHistoryMissesRisk = registry.makeCounter(descriptor: misses, labels: [("window", "risk_week")])
        storeFaults = registry.makeCounter(descriptor: Self.name("headroom_store_faults_total", help: "Requests answered 503 because the store could not be read or written."))
        storeUnhealthy = registry.makeGauge(descriptor: Self.name("headroom_store_unhealthy", help: "1 while the store is failing (see /healthz), else 0."))
        misdirectedRequests = registry.makeCounter(descriptor: Self.name("headroom_misdirected_requests_total", help: "Requests answered 421: workloads another shard's scorer owns."))
        bookingRefusals = registry.makeCounter(descriptor: Self.name("headroom_capacity_booking_refusals_total", help: "Decisions not carried out because the store refused to book their capacity (another scorer booked it first)."))
        workloadCapRejections = registry.makeCounter(descriptor: Self.name("headroom_workload_cap_rejections_total", help: "Batches refused (429) because they would create workloads past --max-workloads."))
        prometheusSamplesTaken = registry.makeCounter(descriptor: Self.name("headroom_prometheus_samples_taken_total", help: "Remote-write samples that gave a value to a stored row."))
        let dropped = Self.name("headroom_prometheus_samples_dropped_total",
                                help: "Remote-write samples not stored, by reason: no_rule / missing_label / invalid_name (the mapping takes no such series), stale (NaN marker), duplicate, late, counter_baseline (a counter's first sample), no_limit (an allocation ≤ 0).")
        var byReason: [String: Counter] = [:]
        for reason in Self.prometheusDropReasons { byReason[reason] = registry.makeCounter(descriptor: dropped, labels: [("reason", reason)]) }
        prometheusDroppedByReason = byReason
        prometheusRequestsRefused = registry.makeCounter(descriptor: Self.name("headroom_prometheus_requests_refused_total", help: "Remote-write requests refused with a 4xx (never retried by the sender)."))
    }

    /// The counter of remote-write samples dropped for `reason` (one of `prometheusDropReasons`).
    func prometheusDropped(_ reason: String) -> Counter {
        prometheusDroppedByReason[reason] ?? registry.makeCounter(descriptor: Self.name("headroom_prometheus_samples_dropped_total", help: ""), labels: [("reason", reason)])
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
