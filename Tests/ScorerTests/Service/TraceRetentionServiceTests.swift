import Foundation
import Logging
import ServiceLifecycle
import Testing
@testable import Decisions
@testable import Scorer

/// `serve --trace-retention-days` and the periodic service that applies it.
@Suite("Trace retention in the service")
struct TraceRetentionServiceTests {
    static let required = ["--db", "/tmp/none.sqlite", "--models", "/tmp/none", "--pops", "/tmp/none.toml"]

    @Test("the option defaults to 35 days, accepts 0 (keep all) and refuses a negative or non-finite number")
    func option() throws {
        #expect(try ServeCommand.parse(Self.required).traceRetentionDays == 35)
        #expect(try ServeCommand.parse(Self.required + ["--trace-retention-days", "0"]).traceRetentionDays == 0)
        for bad in ["-1", "nan", "inf"] {
            #expect(throws: (any Error).self) { try ServeCommand.parse(Self.required + ["--trace-retention-days", bad]) }
        }
    }

    @Test("a periodic service that runs at start does its work at once, then waits for its interval and stops when cancelled")
    func periodic() async throws {
        let counter = Counter()
        let service = PeriodicService(interval: 3600, runsAtStart: true) { await counter.add() }
        let task = Task { try await service.run() }
        for _ in 0..<200 where await counter.value == 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(await counter.value == 1)
        task.cancel()
        try await task.value
        #expect(await counter.value == 1)   // cancelled during the hour's wait: no second run
    }

    @Test("a graceful shutdown (what SIGTERM triggers) ends an hourly service's wait at once")
    func gracefulShutdown() async throws {
        let counter = Counter()
        let services: [any Service] = [PeriodicService(interval: 3600, runsAtStart: true) { await counter.add() },
                                       PeriodicService(interval: 3600) { await counter.add() }]
        var configuration = ServiceGroupConfiguration(services: services, logger: Logger(label: "test"))
        // A service deaf to the graceful shutdown would be cancelled after 5 s: fail, not hang.
        configuration.maximumGracefulShutdownDuration = .seconds(5)
        let group = ServiceGroup(configuration: configuration)
        let started = ContinuousClock.now
        let run = Task { try await group.run() }
        for _ in 0..<200 where await counter.value == 0 { try await Task.sleep(for: .milliseconds(10)) }
        await group.triggerGracefulShutdown()
        try await run.value
        #expect(ContinuousClock.now - started < .seconds(3), "the group took \(ContinuousClock.now - started) to stop")
        #expect(await counter.value == 1)
    }

    actor Counter {
        var value = 0
        func add() { value += 1 }
    }
}
