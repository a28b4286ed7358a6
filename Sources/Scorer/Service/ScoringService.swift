import Forecast
import Foundation
import GRDB
import Models
import Store

/// The state behind `headroom-scorer serve`: the store, the model version serving, the
/// online state of every workload, the metrics. One actor, so a batch of samples is
/// applied as a whole: validated, written to the store in one transaction, then fed to
/// the online states in order.
actor ScoringService {
    struct Configuration: Sendable {
        var horizonSteps = 12
        /// History each workload's state is warmed on when it is (re)started: one week of 5-minute samples.
        var warmupSamples = 2016
    }

    struct IngestResult: Codable, Sendable, Equatable {
        var accepted: Int
        var duplicates: Int
        var newWorkloads: Int
        var scored: Int
    }

    let store: HeadroomStore
    let registry: ModelRegistry
    let configuration: Configuration
    let metrics: ScorerMetrics
    private(set) var version: String?
    private var core: ScoringCore?
    private let clock: @Sendable () -> Int64

    init(store: HeadroomStore, registry: ModelRegistry, configuration: Configuration, metrics: ScorerMetrics,
         clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.store = store
        self.registry = registry
        self.configuration = configuration
        self.metrics = metrics
        self.clock = clock
    }

    // MARK: Models

    /// Loads the promoted version if it is not the one serving. A version that fails to
    /// load (missing or corrupt file, bad checksum) is refused: the old one keeps serving
    /// and the error is returned for the log.
    @discardableResult
    func reloadIfPromoted() -> ReloadOutcome {
        let promoted: String?
        do { promoted = try registry.promotedVersion() } catch { return .failed(version: nil, reason: "\(error)") }
        guard let promoted else { return .nothingPromoted }
        if promoted == version { return .unchanged(promoted) }
        do {
            let models = try TrainedModels.load(registry: registry, version: promoted)
            let next = ScoringCore(models: models, horizonSteps: configuration.horizonSteps)
            for workload in try store.workloads() {
                let history = try store.lastSamples(workload: workload.name, count: configuration.warmupSamples, until: nil)
                try next.register(name: workload.name, intervalSeconds: workload.gridIntervalSeconds, limits: workload.limits.values,
                                  history: history)
            }
            core = next
            version = promoted
            metrics.modelReloads.increment()
            metrics.workloads.set(Double(next.entries.count))
            return .loaded(promoted)
        } catch {
            metrics.modelReloadFailures.increment()
            return .failed(version: promoted, reason: "\(error)")
        }
    }

    enum ReloadOutcome: Equatable, Sendable {
        case nothingPromoted, unchanged(String), loaded(String), failed(version: String?, reason: String)
    }

    // MARK: Samples

    /// Writes the batch (all or nothing) and advances the states of the workloads it names.
    func ingest(_ samples: [IncomingSample]) throws -> IngestResult {
        let result = try store.append(samples: samples, now: clock())
        var scored = 0
        if let core {
            for name in result.newWorkloads {
                try core.register(name: name, intervalSeconds: 300, limits: .init(repeating: .nan, count: Resource.count),
                                  history: SampleSeries(workload: name))
            }
            for sample in samples {
                if let score = core.ingest(workload: sample.workload, timestamp: sample.timestamp, values: sample.values) {
                    scored += 1
                    metrics.risk.record(score.risk)
                }
            }
        }
        metrics.samplesIngested.increment(by: Int64(result.inserted))
        metrics.samplesDuplicate.increment(by: Int64(result.duplicates))
        metrics.workloads.set(Double(core?.entries.count ?? 0))
        return IngestResult(accepted: result.inserted, duplicates: result.duplicates, newWorkloads: result.newWorkloads.count, scored: scored)
    }

    // MARK: Reads

    func score(workload: String) -> WorkloadScore? { core?.entry(workload)?.score }

    func forecast(workload: String) -> (score: WorkloadScore?, forecast: [[Double]], levels: [Double], intervalSeconds: Int64)? {
        guard let core, let entry = core.entry(workload) else { return nil }
        return (entry.score, entry.forecast, core.levels, entry.online.intervalSeconds)
    }

    func allocation(workload: String) -> [Double]? { core?.entry(workload)?.allocation }

    var status: (version: String?, workloads: Int) { (version, core?.entries.count ?? 0) }
}
