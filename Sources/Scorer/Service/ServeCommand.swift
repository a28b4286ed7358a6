import ArgumentParser
import Decisions
import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import Models
import Resources
import ServiceLifecycle
import PrometheusIngest
import Store

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Runs the scoring service: ingests samples, scores risk, serves forecasts and metrics.",
        discussion: """
            Credentials: --credentials FILE maps bearer tokens to roles (operator; agent of its POPs; reader; \
            docs/security.md), and/or one operator token from --token-file or the environment variable \
            HEADROOM_SCORER_TOKEN. Every endpoint but /healthz and /metrics needs a token (GET reads too, unless \
            --public-reads). With --tls-cert and --tls-key the service speaks HTTPS only. \
            The promoted model version is reloaded when it changes (checked every \
            --reload-seconds); a version that fails to load is refused and the previous one keeps serving; \
            at start, a promoted version that fails to load gives way to the last good one (/healthz says which and why). \
            The fleet (--pops) is written into the store at start; unfinished migrations in the store's \
            journal are re-issued or rolled back (see DecisionJournal) before the first request.
            """)

    @Option(name: .customLong("db"), help: "The store: a SQLite file path or a postgres:// URL.") var databasePath: String
    @Option(name: .customLong("models"), help: "Models directory.") var modelsDirectory: String
    @Option(name: .customLong("pops"), help: "Fleet file (TOML, see config/pops.example.toml).") var popsPath: String
    @Option(name: .customLong("listen"), help: "HOST:PORT to listen on.") var listen = "127.0.0.1:8080"
    @Option(name: .customLong("token-file"), help: "File holding an operator bearer token (or HEADROOM_SCORER_TOKEN).") var tokenFile: String?
    @Option(name: .customLong("credentials"), help: "TOML file of tokens and roles: operator, agent (with its POPs), reader (docs/security.md).")
    var credentialsPath: String?
    @Flag(name: .customLong("public-reads"), help: "Serve the GET API (risk, forecast, decisions) without a token.") var publicReads = false
    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain: serve HTTPS (needs --tls-key).") var tlsCertificate: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert.") var tlsKey: String?
    @Option(name: .customLong("max-workloads"), help: "Most workloads held; a batch creating more is refused with 429 (0 = no cap).")
    var maxWorkloads = 10_000
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
    @Option(name: .customLong("prometheus-mapping"),
            help: "Mapping file (TOML, config/prometheus/) from Prometheus series to workloads: turns on POST /api/v1/write (remote write 1.0).")
    var prometheusMapping: String?
    @Option(name: .customLong("metrics-max-workloads"),
            help: "Most workloads /metrics exports per-workload series for (the highest risks kept).")
    var metricsMaxWorkloads = 1000
    @Option(name: .customLong("shard"),
            help: "i/n: own the workloads whose name hashes to shard i of n (the fleet file's [[scorers]] lists the n scorers); capacity is booked in the shared store.")
    var shard: String?
    @Option(name: .customLong("trace-retention-days"),
            help: "Trace events older than this are deleted, at start and hourly (the full training profile reads 28 days); 0 keeps them all.")
    var traceRetentionDays = 35.0

    func validate() throws {
        guard traceRetentionDays.isFinite, traceRetentionDays >= 0 else {
            throw ValidationError("--trace-retention-days \(traceRetentionDays): expected a number of days ≥ 0")
        }
        guard (tlsCertificate == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together: give both (HTTPS) or neither (HTTP)")
        }
        guard metricsMaxWorkloads >= 0 else { throw ValidationError("--metrics-max-workloads \(metricsMaxWorkloads): expected a number ≥ 0") }
        guard maxWorkloads >= 0 else { throw ValidationError("--max-workloads \(maxWorkloads): expected a number ≥ 0 (0 = no cap)") }
    }

    func run() async throws {
        let (host, port) = try Self.parse(listen: listen)
        var logger = Logger(label: "headroom-scorer")
        logger.logLevel = .info
        let fleet = try FleetCommand.load(popsPath)
        let ownShard = try Self.shard(shard, fleet: fleet, popsPath: popsPath)
        let credentials = try Self.credentials(file: credentialsPath, tokenFile: tokenFile, publicReads: publicReads,
                                               fleetPOPs: Set(fleet.pops.map(\.name)))
        let tls = try tlsCertificate.map { try Self.tlsConfiguration(certificate: $0, key: tlsKey ?? "") }
        var decision = try decisionOptions.config()
        decision.staleAfterSeconds = staleAfterSeconds
        let mapping: PrometheusMapping?
        do { mapping = try prometheusMapping.map { try PrometheusMapping.load(path: $0) } } catch {
            throw ValidationError("--prometheus-mapping: \(error)")
        }
        let store = try HeadroomStore(location: databasePath)
        let registry = ModelRegistry(store: store, directory: modelsDirectory)
        var serviceConfiguration = ScoringService.Configuration(
            horizonSteps: horizon, planningQuantile: decisionOptions.planQuantile, decision: decision,
            newWorkloadIntervalSeconds: newWorkloadIntervalSeconds,
            policy: policy, downAfterSeconds: downAfterSeconds > 0 ? downAfterSeconds : nil,
            maxWorkloads: maxWorkloads > 0 ? maxWorkloads : nil)
        serviceConfiguration.prometheusMapping = mapping
        serviceConfiguration.metricsMaxWorkloads = metricsMaxWorkloads
        serviceConfiguration.shard = ownShard
        serviceConfiguration.scorers = fleet.scorers
        let service = try ScoringService(
            store: store, registry: registry, fleet: fleet,
            configuration: serviceConfiguration,
            metrics: ScorerMetrics(), logger: logger)
        let (first, resumed): (ScoringService.ReloadOutcome, ScoringService.ResumeReport)
        do { (first, resumed) = try await service.start() } catch let fault as HeadroomStore.StorageFault {
            throw ValidationError("--db: \(fault)")
        }
        Self.log(first, health: await service.health(), logger: logger)
        logger.info("journal: re-issued migrations \(resumed.reissued), rolled back \(resumed.rolledBack)\(decision.dryRun ? "; dry run: decisions are journaled, no commands issued" : "")")
        logger.info("credentials: \(credentials.summary)\(tls == nil ? "; plain HTTP (give --tls-cert and --tls-key for HTTPS)" : "; HTTPS")")
        let router = ScorerRoutes.router(service: service, settings: .init(credentials: credentials, maxBodyBytes: maxBodyBytes), logger: logger)
        let services = Self.periodicServices(service: service, store: store, reloadSeconds: reloadSeconds,
                                             traceRetentionDays: traceRetentionDays, logger: logger)
        let configuration = ApplicationConfiguration(address: .hostname(host, port: port), serverName: "headroom-scorer")
        if let tls {
            let app = Application(router: router, server: try .tls(.http1(), tlsConfiguration: tls), configuration: configuration,
                                  services: services, logger: logger)
            try await app.runService()
        } else {
            let app = Application(router: router, configuration: configuration, services: services, logger: logger)
            try await app.runService()
        }
    }

    /// `--shard i/n` checked against the fleet file: with n > 1 its `[[scorers]]` must list
    /// the n scorers (agents route by them; a misdirected request is answered with them); a
    /// fleet file that lists several scorers needs `--shard`.
    static func shard(_ text: String?, fleet: Fleet, popsPath: String) throws -> WorkloadShard? {
        guard let text else {
            if let scorers = fleet.scorers, scorers.count > 1 {
                throw ValidationError("\(popsPath) lists \(scorers.count) [[scorers]]: give --shard i/\(scorers.count) (which of them this one is)")
            }
            return nil
        }
        let shard: WorkloadShard
        do { shard = try WorkloadShard(parsing: text) } catch { throw ValidationError("--shard: \(error)") }
        let declared = fleet.scorers?.count ?? 0
        if shard.count > 1 || declared > 0, declared != shard.count {
            throw ValidationError("--shard \(shard): \(popsPath) lists \(declared) [[scorers]]; a fleet split \(shard.count) ways lists all \(shard.count) (their URLs, by shard)")
        }
        return shard
    }

    /// Logs how the model version was chosen at start.
    static func log(_ outcome: ScoringService.ReloadOutcome, health: HealthReport, logger: Logger) {
        switch outcome {
        case .loaded(let version): logger.info("models: serving the promoted version \(version)")
        case .fellBack, .failed: logger.error("models: \(health.model.reason)")
        default: logger.info("models: \(outcome)")
        }
    }

    /// The credentials from `--credentials` and/or the operator token (`--token-file`, else
    /// `HEADROOM_SCORER_TOKEN`); at least one token is required.
    static func credentials(file: String?, tokenFile: String?, publicReads: Bool, fleetPOPs: Set<String>) throws -> Credentials {
        var credentials = Credentials(publicReads: publicReads)
        if let file {
            do { try credentials.load(path: file, fleetPOPs: fleetPOPs) } catch { throw ValidationError("--credentials: \(error)") }
        }
        if tokenFile != nil || ProcessInfo.processInfo.environment["HEADROOM_SCORER_TOKEN"] != nil || credentials.isEmpty {
            let token = try Self.token(file: tokenFile)
            do { try credentials.add(token: token, role: .operator, name: tokenFile.map { "--token-file \($0)" } ?? "HEADROOM_SCORER_TOKEN") } catch {
                throw ValidationError("\(error)")
            }
        }
        return credentials
    }

    /// A TLS server configuration from PEM files.
    /// - Throws: `ValidationError` naming the file that cannot be read or parsed.
    static func tlsConfiguration(certificate: String, key: String) throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMFile(certificate) } catch {
            throw ValidationError("--tls-cert \(certificate): cannot read a PEM certificate chain (\(error))")
        }
        guard !chain.isEmpty else { throw ValidationError("--tls-cert \(certificate): no certificate in it") }
        let privateKey: NIOSSLPrivateKey
        do { privateKey = try NIOSSLPrivateKey(file: key, format: .pem) } catch {
            throw ValidationError("--tls-key \(key): cannot read a PEM private key (\(error))")
        }
        return TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
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
                case .fellBack(let serving, let refused):
                    logger.error("refused model versions \(refused); serving the last good version \(serving)")
                case .nothingPromoted, .unchanged, .inProgress, .refused: break
                }
            },
            PeriodicService(interval: 10) {
                do {
                    try await service.checkStoreUsable()
                    let silent = try await service.checkAgents()
                    if !silent.isEmpty { logger.warning("POPs \(silent) marked down: their agents stopped reporting; restarting their workloads elsewhere") }
                } catch {
                    if await service.noteStoreFault(error, during: "checking agents") == nil { logger.error("checking agents failed: \(error)") }
                }
            },
            // While the store fails, a real write every few seconds notices its recovery.
            PeriodicService(interval: Double(StoreFaultMiddleware<BasicRequestContext>.retryAfterSeconds)) { await service.probeStore() },
        ]
        if traceRetentionDays > 0 {
            services.append(PeriodicService(interval: 3600, runsAtStart: true) {
                let cutoff = Date().timeIntervalSince1970 - traceRetentionDays * 86_400
                do {
                    try await service.checkStoreUsable()
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

