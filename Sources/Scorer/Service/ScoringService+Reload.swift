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
        /// Nothing was serving and the promoted version was refused: the newest earlier
        /// promoted version that loads is served instead (`TrainedModels.loadLastGood`);
        /// `refused` are the versions passed over, newest first.
        case fellBack(serving: String, refused: [String])
        /// Refused earlier; not retried until another version is promoted.
        case refused(String)
        case failed(version: String?, reason: String)
    }

    /// A version passed over, and why.
    struct RefusedVersion: Sendable, Equatable, Encodable {
        var version: String
        var reason: String
    }

    /// Which model version serves and why, for `/healthz`.
    struct ModelStatus: Sendable, Equatable {
        /// The version serving (nil: none).
        var serving: String?
        /// The version promoted in the registry when last checked.
        var promoted: String?
        /// Promoted versions refused since start, newest first.
        var refused: [RefusedVersion] = []

        /// One sentence: what serves, and why it is not the promoted version when it is not.
        var reason: String {
            switch (serving, promoted) {
            case (nil, nil): return "no model version has been promoted"
            case (nil, _?): return "no promoted version loads (\(refusedList)); promote a valid one (headroom-trainer promote/rollback)"
            case (let serving?, let promoted?) where serving != promoted:
                return "the promoted version \(promoted) was refused (\(refusedList)); serving the last good version \(serving)"
            default: return "serving the promoted version"
            }
        }

        private var refusedList: String {
            refused.isEmpty ? "none refused" : refused.map { "\($0.version): \($0.reason)" }.joined(separator: "; ")
        }
    }

    /// Loads the promoted version if it is not the one serving, without blocking requests:
    /// the new `ScoringCore` is built and warmed off the actor and off the cooperative pool (`buildCore`) while the old
    /// one keeps serving, then swapped in and caught up on the samples that arrived
    /// meanwhile (they are in the store). A version that fails to load (missing or corrupt
    /// file, bad checksum, malformed or invalid tensors: `TrainedModels.load`'s checks) is
    /// refused — counted in `headroom_model_reload_failures_total`, listed in `/healthz`,
    /// returned for the log — and not retried until another version is promoted; the old
    /// one keeps serving. When nothing is serving yet (at start), the scorer serves the
    /// last good version instead: the newest earlier promoted one that loads
    /// (`TrainedModels.loadLastGood`), and `/healthz` says so.
    @discardableResult
    func reloadIfPromoted() async -> ReloadOutcome {
        guard !reloading else { return .inProgress }
        let promoted: String?
        do {
            try checkStoreUsable()
            promoted = try registry.promotedVersion()
        } catch {
            noteStoreFault(error, during: "reading the promoted model version")
            return .failed(version: nil, reason: "\(error)")
        }
        modelStatus.promoted = promoted
        guard let promoted else { return .nothingPromoted }
        if promoted == version { return .unchanged(promoted) }
        if promoted == refusedVersion { return .refused(promoted) }
        reloading = true
        touchedDuringReload = []
        defer { reloading = false; touchedDuringReload = [] }
        if core == nil { return await loadLastGood(promoted: promoted) }
        do {
            let next = try await Self.buildCore(configuration: configuration) {
                try Self.loadCore(models: try TrainedModels.load(registry: self.registry, version: promoted), store: self.store,
                                  configuration: self.configuration)
            }
            try install(next, version: promoted)
            refusedVersion = nil
            return .loaded(promoted)
        } catch {
            refuse(promoted, reason: "\(error)")
            return .failed(version: promoted, reason: "\(error)")
        }
    }

    /// Nothing serves: builds the last good version (the promoted one if it loads).
    private func loadLastGood(promoted: String) async -> ReloadOutcome {
        do {
            let (next, lastGood) = try await Self.buildCore(configuration: configuration) { () -> (ScoringCore?, TrainedModels.LastGood) in
                let lastGood = try TrainedModels.loadLastGood(registry: self.registry)
                guard let models = lastGood.models else { return (nil, lastGood) }
                return (try Self.loadCore(models: models, store: self.store, configuration: self.configuration), lastGood)
            }
            for (version, reason) in lastGood.refused { refuse(version, reason: reason) }
            guard let next, let serving = lastGood.models?.version else {
                return .failed(version: promoted, reason: lastGood.refused.map { "\($0.version): \($0.reason)" }.joined(separator: "; "))
            }
            try install(next, version: serving)
            if serving == promoted {
                refusedVersion = nil
                return .loaded(serving)
            }
            refusedVersion = promoted
            return .fellBack(serving: serving, refused: lastGood.refused.map(\.version))
        } catch {
            refuse(promoted, reason: "\(error)")
            return .failed(version: promoted, reason: "\(error)")
        }
    }

    /// Records `version` as refused: not retried while it stays promoted, counted, listed.
    private func refuse(_ version: String, reason: String) {
        if version == modelStatus.promoted { refusedVersion = version }
        metrics.modelReloadFailures.increment()
        modelStatus.refused.removeAll { $0.version == version }
        modelStatus.refused.insert(RefusedVersion(version: version, reason: reason), at: 0)
    }

    /// Runs `build` (loading a version's files and warming a core on every stored
    /// workload's recent history) on a Dispatch queue of utility QoS: neither on the actor
    /// (requests keep being answered) nor on the cooperative pool (seconds of CPU there
    /// would starve the request handlers, which hop onto it; it has one thread per core).
    /// `build` touches no actor state; the core it returns is a fresh, disconnected value.
    static func buildCore<T>(configuration: Configuration, _ build: @escaping @Sendable () throws -> T) async throws -> sending T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            DispatchQueue.global(qos: .utility).async {
                do {
                    let built = try build()
                    if let hold = configuration.reloadHoldSeconds { Thread.sleep(forTimeInterval: hold) }
                    continuation.resume(returning: built)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// A core over `models`, warmed on every stored workload's recent history.
    private static func loadCore(models: TrainedModels, store: HeadroomStore, configuration: Configuration) throws -> ScoringCore {
        // Every sample the core ingests is written to the store first: the long windows are read back from it.
        let core = ScoringCore(models: models, horizonSteps: configuration.horizonSteps, planningQuantile: configuration.planningQuantile,
                               stored: StoredHistory(store: store))
        for workload in try store.workloads() {
            let history = try store.lastSamples(workload: workload.name,
                                                count: configuration.warmupSamples(intervalSeconds: workload.gridIntervalSeconds), until: nil)
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
                let interval = record?.gridIntervalSeconds ?? configuration.newWorkloadIntervalSeconds
                let history = try store.lastSamples(workload: name, count: configuration.warmupSamples(intervalSeconds: interval), until: nil)
                try next.register(name: name, intervalSeconds: interval,
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
        modelStatus.serving = promoted
        // States the warm-up on stored history found degenerate (values stored before
        // `InputRules`, or by another writer) are reset like online ones: counted and logged.
        reportDegenerateResets(since: Dictionary(uniqueKeysWithValues: next.entries.keys.map { ($0, OnlineWorkload.DegenerateResets()) }), in: next)
        metrics.modelReloads.increment()
        metrics.workloads.set(Double(next.entries.count))
    }
}
