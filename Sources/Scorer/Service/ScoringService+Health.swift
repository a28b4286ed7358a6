import Foundation
import Logging
import Store

/// The service's health: the store's failures (issue 12, item 5) and which model version
/// serves (item 4), as `/healthz` reports them.
///
/// A store failure (`HeadroomStore.StorageFault`: the file made read-only or immutable,
/// the disk full, an I/O error) is answered 503 with the reason (`StoreFaultMiddleware`),
/// logged once with the path when it starts, and turns `/healthz` unhealthy (503) until a
/// write succeeds again: the next batch written, or the probe (`probeStore`) that the
/// service runs every few seconds while the store is failing.
extension ScoringService {
    struct StoreFaultState: Sendable, Equatable {
        var fault: HeadroomStore.StorageFault
        /// What the service was doing (`"POST /v1/samples"`, `"checking agents"`).
        var operation: String
        /// Unix seconds of the first failure of this episode.
        var since: Int64
        /// Failures in this episode.
        var count: Int
    }

    /// Records `error` when it is a storage fault (nothing otherwise); logs the first of an
    /// episode with the store's path.
    /// - Returns: the fault, or nil when `error` is something else.
    @discardableResult
    func noteStoreFault(_ error: any Error, during operation: String) -> HeadroomStore.StorageFault? {
        guard let fault = store.storageFault(error) else { return nil }
        metrics.storeFaults.increment()
        if var state = storeFault {
            state.count += 1
            state.fault = fault
            storeFault = state
        } else {
            storeFault = StoreFaultState(fault: fault, operation: operation, since: clock(), count: 1)
            metrics.storeUnhealthy.set(to: 1)
            logger.error("store \(fault.path ?? "(in memory)") failed during \(operation): \(fault.reason); answering 503 until it can be written again")
        }
        return fault
    }

    /// Throws the storage fault (and records it) when the store's WAL index cannot be
    /// written (`HeadroomStore.checkSharedMemory`): what every use of the store by the
    /// service checks first, requests and periodic work alike.
    func checkStoreUsable() throws {
        do { try store.checkSharedMemory() } catch {
            noteStoreFault(error, during: "checking the store's WAL index")
            throw error
        }
    }

    /// Ends a store-failure episode (a write succeeded), logging the recovery.
    func storeRecovered() {
        guard let state = storeFault else { return }
        storeFault = nil
        metrics.storeUnhealthy.set(to: 0)
        logger.notice("store \(state.fault.path ?? "(in memory)") is writable again after \(state.count) failed request(s) since \(state.since); serving normally")
    }

    /// While the store is failing, tries one real write (`HeadroomStore.checkWritable`) and
    /// ends the episode when it succeeds. Does nothing when the store is healthy.
    /// - Returns: whether the store is healthy now.
    @discardableResult
    func probeStore() -> Bool {
        guard storeFault != nil else { return true }
        do {
            try store.checkWritable()
            storeRecovered()
            return true
        } catch {
            noteStoreFault(error, during: "probing the store")
            return false
        }
    }

    /// `/healthz`'s body: `ok` when the store works and the promoted version serves;
    /// `degraded` when an earlier version serves (or none) because the promoted one was
    /// refused; `unhealthy` (answered 503) while the store fails.
    func health() -> HealthReport {
        let model = modelStatus
        let status: String
        if storeFault != nil { status = "unhealthy" } else if model.promoted == nil || model.serving == model.promoted { status = "ok" } else {
            status = "degraded"
        }
        return HealthReport(status: status, modelVersion: version, workloads: core?.entries.count ?? 0, dryRun: engine.config.dryRun,
                            model: .init(serving: model.serving, promoted: model.promoted, reason: model.reason, refused: model.refused),
                            store: .init(path: storeFault?.fault.path ?? store.path, healthy: storeFault == nil, error: storeFault?.fault.reason,
                                         during: storeFault?.operation, since: storeFault?.since, failures: storeFault?.count),
                            shard: configuration.shard?.description)
    }
}

/// `GET /healthz`:
/// `{"status":"ok"|"degraded"|"unhealthy","model_version":…,"workloads":…,"dry_run":…,
///   "model":{"serving":…,"promoted":…,"reason":"…","refused":[{"version":…,"reason":…}]},
///   "store":{"path":…,"healthy":true|false,"error"?:…,"during"?:…,"since"?:…,"failures"?:…}}`.
/// Nulls are written out (`model_version: null` when nothing serves).
struct HealthReport: Encodable, Sendable {
    struct Model: Encodable, Sendable {
        var serving: String?
        var promoted: String?
        var reason: String
        var refused: [ScoringService.RefusedVersion]

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(serving, forKey: .serving)
            try c.encode(promoted, forKey: .promoted)
            try c.encode(reason, forKey: .reason)
            try c.encode(refused, forKey: .refused)
        }
        enum CodingKeys: String, CodingKey { case serving, promoted, reason, refused }
    }

    struct Store: Encodable, Sendable {
        var path: String?
        var healthy: Bool
        var error: String?
        var during: String?
        var since: Int64?
        var failures: Int?
    }

    var status: String
    var modelVersion: String?
    var workloads: Int
    var dryRun: Bool
    var model: Model
    var store: Store
    /// `i/n` for a sharded scorer (`serve --shard`), else absent.
    var shard: String?

    var healthy: Bool { status != "unhealthy" }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status, forKey: .status)
        try c.encode(modelVersion, forKey: .modelVersion)
        try c.encode(workloads, forKey: .workloads)
        try c.encode(dryRun, forKey: .dryRun)
        try c.encode(model, forKey: .model)
        try c.encode(store, forKey: .store)
        try c.encodeIfPresent(shard, forKey: .shard)
    }
    enum CodingKeys: String, CodingKey { case status, modelVersion, workloads, dryRun, model, store, shard }
}
