import Forecast
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Models
import PrometheusIngest
import Resources
@testable import Decisions
@testable import Scorer
import Store
import Synchronization
import Testing

/// A real scoring service on a private copy of the fixture's store (and, when a test
/// promotes versions, of its models directory), with the demo fleet, behind the real router.
struct ServiceHarness {
    static let token = "service-test-token-0123456789"
    static let auth: HTTPFields = [.authorization: "Bearer \(token)"]

    let service: ScoringService
    let store: HeadroomStore
    let storePath: String
    let registry: ModelRegistry
    let settings: ScorerRoutes.Settings
    let started: (models: ScoringService.ReloadOutcome, resumed: ScoringService.ResumeReport)

    /// - Parameters:
    ///   - storePath: an existing store copy (a restart), else a fresh copy of the fixture's.
    ///   - privateModels: copy the models directory (tests that write versions into it).
    static func make(storePath: String? = nil, modelsDirectory: String? = nil, privateModels: Bool = false, dryRun: Bool = false,
                     maxBodyBytes: Int = 1 << 20, maxSamples: Int = 10_000, warmupSamples: Int = 2016,
                     reloadHoldSeconds: Double? = nil, clock: (@Sendable () -> Int64)? = nil,
                     credentials: Credentials? = nil, maxWorkloads: Int? = 10_000,
                     newWorkloadIntervalSeconds: Int64 = 300, prometheusMapping: PrometheusMapping? = nil, metricsMaxWorkloads: Int = 1000,
                     fleet fleetFile: String? = nil, shard: WorkloadShard? = nil, bookingRefreshSeconds: Double = 1,
                     logger: Logger = Logger(label: "headroom-scorer-test")) async throws -> ServiceHarness {
        let fixture = try ScorerFixture.get()
        let path = try storePath ?? fixture.copyStore().path
        var models = modelsDirectory ?? fixture.modelsDirectory
        if privateModels && modelsDirectory == nil {
            let copy = ScorerFixture.temporaryDirectory().appendingPathComponent("models")
            try FileManager.default.copyItem(atPath: fixture.modelsDirectory, toPath: copy.path)
            models = copy.path
        }
        let store = try HeadroomStore(path: path)
        let registry = ModelRegistry(store: store, directory: models)
        var configuration = ScoringService.Configuration()
        configuration.decision.dryRun = dryRun
        // The fixture's data is 5-minute: `warmupSamples` of it, however many.
        configuration.warmup = .seconds(Int64(warmupSamples) * 300)
        configuration.warmupSampleCap = max(configuration.warmupSampleCap, warmupSamples)
        configuration.reloadHoldSeconds = reloadHoldSeconds
        configuration.decision.enterThreshold = 0.3
        configuration.decision.exitThreshold = 0.18
        configuration.maxWorkloads = maxWorkloads
        configuration.newWorkloadIntervalSeconds = newWorkloadIntervalSeconds
        configuration.prometheusMapping = prometheusMapping
        configuration.metricsMaxWorkloads = metricsMaxWorkloads
        let fleet = try Fleet.load(path: fleetFile ?? ScorerFixture.repositoryRoot.appendingPathComponent("config/pops.demo.toml").path)
        configuration.shard = shard
        configuration.scorers = fleet.scorers
        configuration.bookingRefreshSeconds = bookingRefreshSeconds
        let service = try ScoringService(store: store, registry: registry, fleet: fleet, configuration: configuration, metrics: ScorerMetrics(),
                                         clock: clock ?? { Int64(Date().timeIntervalSince1970) }, logger: logger)
        let started = try await service.start()
        let settings = try credentials.map { ScorerRoutes.Settings(credentials: $0, maxBodyBytes: maxBodyBytes, maxSamplesPerBatch: maxSamples) }
            ?? ScorerRoutes.Settings(token: token, maxBodyBytes: maxBodyBytes, maxSamplesPerBatch: maxSamples)
        return ServiceHarness(service: service, store: store, storePath: path, registry: registry, settings: settings, started: started)
    }

    func application(port: Int = 0) -> some ApplicationProtocol {
        Application(router: ScorerRoutes.router(service: service, settings: settings),
                    configuration: .init(address: .hostname("127.0.0.1", port: port)))
    }

    func sampleCount() throws -> Int { try store.summary().samples }

    func migrationStates() throws -> [String] { try store.allMigrations().map(\.state.rawValue) }

    /// The last `count` stored samples of `workload`, shifted forward so they continue
    /// right after its last stored sample (real usage, new timestamps).
    func continuation(of workload: String, count: Int) throws -> [IncomingSample] {
        let last = try store.lastSamples(workload: workload, count: count, until: nil)
        let interval = last.timestamps[1] - last.timestamps[0]
        let shift = last.timestamps.last! - last.timestamps.first! + interval
        return (0..<last.count).map { IncomingSample(workload: workload, timestamp: last.timestamps[$0] + shift, values: last.row($0).values) }
    }

    /// A batch body as an agent sends it (unmeasured resources left out).
    static func body(_ samples: [IncomingSample], pop: String? = nil, allocations: [String: [String: Double]]? = nil) -> ByteBuffer {
        var object: [String: Any] = ["samples": samples.map { sample -> [String: Any] in
            var item: [String: Any] = ["workload": sample.workload, "timestamp": sample.timestamp]
            for r in Resource.allCases where sample.values[r.rawValue].isFinite { item[r.snakeCaseName] = sample.values[r.rawValue] }
            return item
        }]
        if let pop { object["pop"] = pop }
        if let allocations { object["allocations"] = allocations }
        return ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any], "\(String(buffer: response.body))")
    }

    /// An allocation far below what `samples` use: a fifth of their peak CPU and memory.
    static func starved(_ samples: [IncomingSample]) -> [String: Double] {
        let peak = { (r: Resource) in samples.map { $0.values[r.rawValue] }.filter(\.isFinite).max() ?? 1 }
        return ["cpu_cores": peak(.cpuCores) / 5, "memory_bytes": peak(.memoryBytes) / 5]
    }

    /// Copies every file of `version` as a new version through the registry API and
    /// promotes it; `corrupt` flips a byte of its LSTM file after promotion (disk rot);
    /// `wrongInside` writes its LSTM file with the metadata kind of another family, so the
    /// checksums are right but the file is wrong inside.
    func promoteCopy(of version: String, corrupt: Bool = false, wrongInside: Bool = false) throws -> String {
        let next = try registry.newVersionName(now: Date().addingTimeInterval(Double.random(in: 1...1e6)))
        for file in try registry.list() where file.version == version {
            var bundle = try registry.load(file)
            if wrongInside && file.family == LSTMModels.family { bundle.metadata["kind"] = ARIMAModels.family }
            try registry.write(family: file.family, version: next, bundle: bundle, trainingFrom: file.trainingFrom,
                               trainingTo: file.trainingTo, metricsJSON: file.metrics)
        }
        try registry.promote(version: next)
        if corrupt {
            let file = try #require(try registry.list().first { $0.version == next && $0.family == LSTMModels.family })
            let url = registry.directory.appendingPathComponent(file.path)
            var bytes = [UInt8](try Data(contentsOf: url))
            bytes[bytes.count - 17] ^= 0x5A
            try Data(bytes).write(to: url)
        }
        return next
    }
}

/// A clock the test moves by hand (Unix seconds).
final class ManualClock: Sendable {
    private let seconds: Mutex<Int64>
    init(_ start: Int64) { seconds = Mutex(start) }
    var now: Int64 { seconds.withLock { $0 } }
    func advance(by delta: Int64) { seconds.withLock { $0 += delta } }
}

/// A logger whose lines the test can read (swift-log handler collecting into memory).
final class CapturedLog: Sendable {
    private let store = Mutex<[String]>([])
    var lines: [String] { store.withLock { $0 } }

    func append(_ line: String) { store.withLock { $0.append(line) } }

    var logger: Logger { Logger(label: "headroom-scorer-test") { _ in Handler(log: self) } }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { log.append("\(event.level): \(event.message)") }
    }
}
