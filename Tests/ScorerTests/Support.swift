import FleetFile
import Forecast
import Foundation
import HeadroomTestSupport
@testable import Decisions
@testable import Scorer
@testable import Store

/// Scratch space, stores and small fleets shared by the scorer tests.
enum ScorerTestSupport {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var examplePOPsPath: String { repositoryRoot.appendingPathComponent("config/pops.example.toml").path }

    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("headroom-scorer-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// SQLite in memory and on disk, and PostgreSQL (a fresh database on the test
    /// process's server, `PostgresTestServer`) when its server binaries are installed.
    enum Kind: String, CaseIterable, CustomStringConvertible, Sendable {
        case memory, file, postgres
        var description: String { rawValue }

        static var allCases: [Kind] { PostgresTestServer.isAvailable ? [.memory, .file, .postgres] : [.memory, .file] }
    }

    static func makeStore(_ kind: Kind) throws -> (HeadroomStore, URL) {
        let directory = temporaryDirectory()
        switch kind {
        case .memory: return (try HeadroomStore(), directory)
        case .file: return (try HeadroomStore(path: directory.appendingPathComponent("store.sqlite").path), directory)
        case .postgres: return (try HeadroomStore(location: try PostgresTestServer.freshDatabaseURL()), directory)
        }
    }

    /// A config with round numbers for hand-worked costs and no staleness check.
    static func config(_ change: (inout DecisionConfig) -> Void = { _ in }) -> DecisionConfig {
        var config = DecisionConfig()
        config.cooldownSeconds = 300
        config.resizeHeadroomFactor = 1.2
        config.maxConcurrentMigrations = 4
        config.downtimePenaltyPerSecond = 0.01
        config.transferCostPerSecond = 0.001
        config.liveDirtyFraction = 0.05
        config.checkpointBytesPerSecond = 5e8
        config.staleAfterSeconds = nil
        change(&config)
        return config
    }

    static func cpu(_ cores: Double) -> ResourceVector { ResourceVector(cpuCores: cores) }

    static func pop(_ name: String, cpu: Double, memory: Double = .nan, price: Double,
                    strategies: Set<MigrationStrategy> = [.live, .checkpointRestart, .partition],
                    startup: Double = 0, down: Bool = false) -> POP {
        POP(name: name, capacity: ResourceVector(cpuCores: cpu, memoryBytes: memory), pricePerHour: price,
            strategies: strategies, startupSeconds: startup, down: down)
    }

    static func link(_ from: String, _ to: String, bandwidth: Double = 1e9, latency: Double = 0.01) -> POPLink {
        POPLink(from: from, to: to, bandwidthBytesPerSecond: bandwidth, latencySeconds: latency)
    }

    static func placement(_ workload: String, on pop: String, cpu: Double, stateBytes: Double = 1e9,
                          remaining: Double = 3600, live: Bool = false, parts: Int = 1,
                          checkpointAt: Int64? = nil) -> Placement {
        Placement(workload: workload, pop: pop, allocation: ResourceVector(cpuCores: cpu), stateBytes: stateBytes,
                  partitionable: parts > 1, maxParts: parts, supportsLive: live, expectedRemainingSeconds: remaining,
                  lastCheckpointAt: checkpointAt)
    }

    static func assess(_ workload: String, at time: Int64, risk: Double, cpu: Double, usage: Double = .nan) -> Assessment {
        Assessment(workload: workload, timestamp: time, risk: risk, resourceAtRisk: .cpuCores,
                   plannedDemand: ResourceVector(cpuCores: cpu), currentUsage: ResourceVector(cpuCores: usage))
    }
}
