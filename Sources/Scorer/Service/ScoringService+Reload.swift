import Decisions
import Forecast
import Foundation
import Models
import Store

extension ScoringService {
    enum ReloadOutcome: Equatable, Sendable {
        case nothingPromoted
        case unchanged(String)
        /// Another reload is loading a version right now.
        case inProgress
        case loaded(String)
        /// Refused earlier; not retried until another version is promoted.
        case refused(String)
        case failed(version: String?, reason: String)
    }

    /// Loads the promoted version if it is not the one serving, without blocking requests:
    /// the new `ScoringCore` is built and warmed off the actor and off the cooperative pool (`buildCore`) while the old
    /// one keeps serving, then swapped in and caught up on the samples that arrived
    /// meanwhile (they are in the store). A version that fails to load (missing or corrupt
    /// file, bad checksum, malformed tensors) is refused — counted in
    /// `headroom_model_reload_failures_total`, returned for the log — and not retried until
    /// another version is promoted; the old one keeps serving.
    @discardableResult
    func reloadIfPromoted() async -> ReloadOutcome {
        guard !reloading else { return .inProgress }
        let promoted: String?
        do { promoted = try registry.promotedVersion() } catch { return .failed(version: nil, reason: "\(error)") }
        guard let promoted else { return .nothingPromoted }
        if promoted == version { return .unchanged(promoted) }
        if promoted == refusedVersion { return .refused(promoted) }
        reloading = true
        touchedDuringReload = []
        defer { reloading = false; touchedDuringReload = [] }
        do {
            let next = try await Self.buildCore(version: promoted, registry: registry, store: store, configuration: configuration)
            try install(next, version: promoted)
            refusedVersion = nil
            return .loaded(promoted)
        } catch {
            refusedVersion = promoted
            metrics.modelReloadFailures.increment()
            return .failed(version: promoted, reason: "\(error)")
        }
    }

    /// Loads `version`'s verified files and warms a core on every stored workload's recent
    /// history, on a Dispatch queue of utility QoS: neither on the actor (requests keep
    /// being answered) nor on the cooperative pool (seconds of CPU there would starve the
    /// request handlers, which hop onto it; it has one thread per core). Touches no actor
    /// state; the core it returns is a fresh, disconnected value.
    static func buildCore(version: String, registry: ModelRegistry, store: HeadroomStore,
                          configuration: Configuration) async throws -> sending ScoringCore {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ScoringCore, any Error>) in
            DispatchQueue.global(qos: .utility).async {
                do {
                    let core = try loadCore(version: version, registry: registry, store: store, configuration: configuration)
                    if let hold = configuration.reloadHoldSeconds { Thread.sleep(forTimeInterval: hold) }
                    continuation.resume(returning: core)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private static func loadCore(version: String, registry: ModelRegistry, store: HeadroomStore,
                                 configuration: Configuration) throws -> ScoringCore {
        let models = try TrainedModels.load(registry: registry, version: version)
        let core = ScoringCore(models: models, horizonSteps: configuration.horizonSteps, planningQuantile: configuration.planningQuantile)
        for workload in try store.workloads() {
            let history = try store.lastSamples(workload: workload.name, count: configuration.warmupSamples, until: nil)
            try core.register(name: workload.name, intervalSeconds: workload.gridIntervalSeconds, limits: workload.limits.values,
                              history: history, traceEvents: try ScoringCore.warmupTraces(store: store, workload: workload.name, history: history))
        }
        return core
    }

    /// Swaps `next` in: workloads created while it was built are registered, workloads
    /// that got samples meanwhile are fed them from the store, every workload is fed the
    /// trace events stored after its last warm-up sample (the step in progress, and any
    /// that arrived meanwhile), and every workload keeps the allocation it had (its
    /// placement's, or what the old core scored it against).
    private func install(_ next: ScoringCore, version promoted: String) throws {
        let old = core
        var names = touchedDuringReload
        if let old { names.formUnion(old.entries.keys) }
        names.formUnion(next.entries.keys)
        for name in names.sorted() {
            if let entry = next.entry(name), let last = entry.online.lastTimestamp {
                let missed = touchedDuringReload.contains(name)
                    ? try store.samples(workloads: [name], from: last + 1, to: HeadroomStore.latestTimestamp + 1)[0] : SampleSeries(workload: name)
                // The warm-up read the events up to its last stored sample (`warmupTraces`).
                let traces = try store.traceEvents(workload: name, from: Double(entry.warmedThrough ?? last).nextUp,
                                                   to: Double(HeadroomStore.latestTimestamp), kinds: TraceSymbols.kinds)
                next.catchUp(workload: name, samples: missed, traceEvents: traces)
            } else if next.entry(name) == nil {
                let record = try store.workload(named: name)
                let history = try store.lastSamples(workload: name, count: configuration.warmupSamples, until: nil)
                try next.register(name: name, intervalSeconds: record?.gridIntervalSeconds ?? configuration.newWorkloadIntervalSeconds,
                                  limits: record?.limits.values ?? .init(repeating: .nan, count: Resource.count),
                                  history: history, traceEvents: try ScoringCore.warmupTraces(store: store, workload: name, history: history))
            }
        }
        for name in next.entries.keys {
            if let placement = engine.placements[name] {
                next.setAllocation(workload: name, allocation: placement.totalAllocation, rescore: false)
            } else if let allocation = old?.entry(name)?.allocation {
                next.setAllocation(workload: name, allocation: allocation, rescore: false)
            }
            next.rescore(name)
        }
        core = next
        self.version = promoted
        metrics.modelReloads.increment()
        metrics.workloads.set(Double(next.entries.count))
    }
}
