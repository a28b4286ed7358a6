import ArgumentParser
import Decisions
import Foundation
import Hummingbird
import Logging
import Models
import ServiceLifecycle
import Store

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Runs the scoring service: ingests samples, scores risk, serves forecasts and metrics.",
        discussion: """
            The bearer token for mutating endpoints comes from --token-file or the environment variable \
            HEADROOM_SCORER_TOKEN. The promoted model version is reloaded when it changes (checked every \
            --reload-seconds); a version that fails to load is refused and the previous one keeps serving. \
            The fleet (--pops) is written into the store at start; unfinished migrations in the store's \
            journal are re-issued or rolled back (see DecisionJournal) before the first request.
            """)

    @Option(name: .customLong("db"), help: "Path of the SQLite store.") var databasePath: String
    @Option(name: .customLong("models"), help: "Models directory.") var modelsDirectory: String
    @Option(name: .customLong("pops"), help: "Fleet file (TOML, see config/pops.example.toml).") var popsPath: String
    @Option(name: .customLong("listen"), help: "HOST:PORT to listen on.") var listen = "127.0.0.1:8080"
    @Option(name: .customLong("token-file"), help: "File holding the bearer token.") var tokenFile: String?
    @Option(name: .customLong("horizon"), help: "Forecast horizon in steps of each workload's interval.") var horizon = 12
    @Option(name: .customLong("reload-seconds"), help: "How often to check for a newly promoted version.") var reloadSeconds = 5.0
    @Option(name: .customLong("max-body-bytes"), help: "Largest request body accepted.") var maxBodyBytes = 1 << 20
    @Option(name: .customLong("stale-after-seconds"), help: "A POP whose agent has not reported for longer is never chosen.") var staleAfterSeconds = 120.0
    @Option(name: .customLong("down-after-seconds"), help: "A POP whose agent has been silent for longer is marked down (its workloads restart elsewhere) until it reports again; 0 = never.") var downAfterSeconds = 300.0
    @OptionGroup var decisionOptions: DecisionOptions
    @Option(help: "predictive (forecast risk, and breaches under way) or reactive (breaches only, like the VPA and HPAs).")
    var policy: ServePolicy = .predictive
    @Option(name: .customLong("new-workload-interval-seconds"), help: "Sampling interval assumed for a workload first seen online (its grid).")
    var newWorkloadIntervalSeconds: Int64 = 300
    @Option(name: .customLong("trace-retention-days"),
            help: "Trace events older than this are deleted, at start and hourly (the full training profile reads 28 days); 0 keeps them all.")
    var traceRetentionDays = 35.0

    func validate() throws {
        guard traceRetentionDays.isFinite, traceRetentionDays >= 0 else {
            throw ValidationError("--trace-retention-days \(traceRetentionDays): expected a number of days ≥ 0")
        }
    }

    func run() async throws {
        let (host, port) = try Self.parse(listen: listen)
        let token = try Self.token(file: tokenFile)
        var logger = Logger(label: "headroom-scorer")
        logger.logLevel = .info
        let fleet = try FleetCommand.load(popsPath)
        var decision = try decisionOptions.config()
        decision.staleAfterSeconds = staleAfterSeconds
        let store = try HeadroomStore(path: databasePath)
        let registry = ModelRegistry(store: store, directory: modelsDirectory)
        let service = try ScoringService(
            store: store, registry: registry, fleet: fleet,
            configuration: .init(horizonSteps: horizon, planningQuantile: decisionOptions.planQuantile, decision: decision,
                                 newWorkloadIntervalSeconds: newWorkloadIntervalSeconds,
                                 policy: policy, downAfterSeconds: downAfterSeconds > 0 ? downAfterSeconds : nil),
            metrics: ScorerMetrics())
        let (first, resumed) = try await service.start()
        logger.info("models: \(first)")
        logger.info("journal: re-issued migrations \(resumed.reissued), rolled back \(resumed.rolledBack)\(decision.dryRun ? "; dry run: decisions are journaled, no commands issued" : "")")
        let router = ScorerRoutes.router(service: service, settings: .init(token: token, maxBodyBytes: maxBodyBytes))
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "headroom-scorer"),
                              services: Self.periodicServices(service: service, store: store, reloadSeconds: reloadSeconds,
                                                              traceRetentionDays: traceRetentionDays, logger: logger),
                              logger: logger)
        try await app.runService()
    }

    static func parse(listen: String) throws -> (String, Int) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--listen \(listen): expected HOST:PORT, e.g. 127.0.0.1:8080")
        }
        return (String(listen[..<colon]), port)
    }

    static func token(file: String?) throws -> String {
        let raw: String?
        if let file {
            do { raw = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw ValidationError("--token-file \(file): cannot read it (\(error.localizedDescription))")
            }
        } else {
            raw = ProcessInfo.processInfo.environment["HEADROOM_SCORER_TOKEN"]
        }
        guard let token = raw?.trimmingCharacters(in: .whitespacesAndNewlines), token.count >= 16 else {
            throw ValidationError("a bearer token of at least 16 characters is required: --token-file FILE or HEADROOM_SCORER_TOKEN")
        }
        return token
    }
}

extension ServeCommand {
    /// The service's background work, each a `PeriodicService`:
    /// - models: polls the registry for a newly promoted version and swaps it in (requests
    ///   keep being served by the old version until the new one has loaded and warmed);
    /// - agents: every 10 s, marks down the POPs whose agents went silent
    ///   (`ScoringService.checkAgents`), so their workloads are restarted elsewhere;
    /// - trace retention (unless 0 days): at start, then hourly, deletes the trace events
    ///   older than the retention (`HeadroomStore.deleteTraceEvents(before:)`).
    static func periodicServices(service: ScoringService, store: HeadroomStore, reloadSeconds: Double,
                                 traceRetentionDays: Double, logger: Logger) -> [any Service] {
        var services: [any Service] = [
            PeriodicService(interval: reloadSeconds) {
                switch await service.reloadIfPromoted() {
                case .loaded(let version): logger.info("serving model version \(version)")
                case .failed(let version, let reason): logger.error("refused model version \(version ?? "?"): \(reason); the previous version keeps serving")
                case .nothingPromoted, .unchanged, .inProgress, .refused: break
                }
            },
            PeriodicService(interval: 10) {
                do {
                    let silent = try await service.checkAgents()
                    if !silent.isEmpty { logger.warning("POPs \(silent) marked down: their agents stopped reporting; restarting their workloads elsewhere") }
                } catch {
                    logger.error("checking agents failed: \(error)")
                }
            },
        ]
        if traceRetentionDays > 0 {
            services.append(PeriodicService(interval: 3600, runsAtStart: true) {
                let cutoff = Date().timeIntervalSince1970 - traceRetentionDays * 86_400
                do {
                    let deleted = try store.deleteTraceEvents(before: cutoff)
                    if deleted > 0 { logger.info("trace retention: deleted \(deleted) trace events older than \(traceRetentionDays) days") }
                } catch {
                    logger.error("trace retention failed: \(error); the events are kept until the next run")
                }
            })
        }
        return services
    }
}

/// Runs `work` every `interval` seconds (first after one interval, or at once when
/// `runsAtStart`) until the service group shuts down. The wait ends at a graceful shutdown
/// (SIGTERM) or a cancellation, so even an hourly service stops at once; a `work` under way
/// finishes first.
struct PeriodicService: Service {
    let interval: Double
    var runsAtStart = false
    let work: @Sendable () async -> Void

    func run() async throws {
        if runsAtStart { await work() }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let milliseconds = Int(interval * 1000)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(milliseconds)) }
            guard !Task.isCancelled && !Task.isShuttingDownGracefully else { break }
            await work()
        }
    }
}

/// What the service's decision ticks act on (the replay's `predictive` and `reactive`).
enum ServePolicy: String, CaseIterable, Sendable, ExpressibleByArgument {
    case predictive, reactive
}

