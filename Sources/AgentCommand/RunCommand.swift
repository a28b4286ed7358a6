import Agent
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Runs the local POPs of a fleet file: their cgroups, the declared workloads, samples to the scorer, its commands executed.",
        discussion: """
            Reads [agent], [[workloads]] and the POPs' capacities from the fleet file (config/agent.example.toml). \
            At start it removes what a crashed run left (cgroups under the prefix, the POPs' network namespaces), \
            creates one cgroup per POP with the POP's capacity as limits and one per workload, and launches the \
            workloads through headroom-launch (joined to their cgroups before exec; argument vectors, never a shell). \
            It serves a trace socket at STATE/trace.sock, named to each workload in HEADROOM_TRACE_SOCKET \
            (docs/trace-protocol.md), and samples every workload's kernel state into trace events. \
            Every interval it samples them, pushes the samples and trace events to the scorer with the bearer token, pulls its \
            commands and executes them (resize, checkpoint/restart and live migration with criu where `criu check` passes, else \
            by the cooperative protocol, partition), journaled \
            in STATE/journal.jsonl. SIGINT or SIGTERM kills the workloads and removes every cgroup and namespace it \
            created, once the round under way has sent its batches and finished its command (a graceful \
            shutdown of the agent's services). Logs go to stderr through swift-log. Needs root (see docs/agent.md).
            """)

    @Option(help: "The fleet file with [agent] and [[workloads]].")
    var config: String

    @Option(help: "The headroom-launch helper (default: [agent] launcher, else next to this executable).")
    var launcher: String?

    @Flag(help: "Exit once every workload has finished or failed.")
    var exitWhenDone = false

    @Option(help: "The least severe log level written to stderr: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let settings: AgentConfig
        do { settings = try AgentConfig.load(path: config) } catch {
            FileHandle.standardError.write(Data("headroom-agent: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "headroom.agent")
        guard let tokenData = FileManager.default.contents(atPath: settings.tokenFile),
              case let token = String(decoding: tokenData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty else {
            logger.critical("cannot read a token from \(settings.tokenFile) (agent.token_file in \(config)): write the scorer's shared token there")
            throw ExitCode(2)
        }
        let launcherPath = launcher ?? settings.launcherPath ?? Self.besideExecutable("headroom-launch")
        guard access(launcherPath, X_OK) == 0 else {
            logger.critical("the launcher \(launcherPath) is missing or not executable; build it (swift build --product headroom-launch) or set agent.launcher")
            throw ExitCode(2)
        }
        let runtime: any POPRuntime
        do { runtime = try LocalRuntime.detect(root: settings.cgroupRoot, prefix: settings.cgroupPrefix, launcherPath: launcherPath) } catch {
            logger.critical("\(error)")
            throw ExitCode(1)
        }
        let fleet = LocalFleet(config: settings, runtime: runtime)
        fleet.logger = Logger(label: "headroom.agent.fleet")
        fleet.executorLogger = Logger(label: "headroom.agent.executor")
        let criu = CRIUSupport.detect()
        logger.info("\(criu.startupMessage)")
        var traceConfiguration = TraceServer.Configuration(socketPath: fleet.defaultTraceSocketPath)
        if let group = settings.traceSocketGroup {
            guard let gid = Self.groupID(group) else {
                logger.critical("agent.trace_socket_group \"\(group)\" in \(config) is not a group on this host (getent group \(group))")
                throw ExitCode(2)
            }
            traceConfiguration.socketGroup = gid
        }
        let traces: WorkloadTraceCollector
        do {
            traces = try WorkloadTraceCollector(
                configuration: traceConfiguration,
                attribution: WorkloadAttribution(prefix: runtime.prefix, pops: Set(settings.pops.map(\.name)),
                                                 workloads: Set(settings.workloads.map(\.name))))
        } catch {
            logger.critical("\(error) (agent.state_directory in \(config))")
            throw ExitCode(2)
        }
        fleet.traceSocketPath = traces.socketPath
        logger.info("trace socket \(traces.socketPath) (HEADROOM_TRACE_SOCKET of every workload; mode 0660\(settings.traceSocketGroup.map { ", group \($0)" } ?? ""))")
        var clients: [ScorerClient] = []
        for text in settings.scorerURLs {
            guard let url = URL(string: text) else {
                logger.critical("the scorer URL \"\(text)\" in \(config) is not a URL")
                throw ExitCode(2)
            }
            clients.append(ScorerClient(baseURL: url, token: token))
        }
        if clients.count > 1 { logger.info("\(clients.count) scorers, each workload's samples to its shard's: \(settings.scorerURLs.joined(separator: ", "))") }
        let loop = AgentRunLoop(fleet: fleet, scorers: ScorerRouter(clients: clients),
                                dispatcher: CommandDispatcher(criu: criu), traces: traces, logger: Logger(label: "headroom.agent.loop"))
        loop.exitWhenDone = exitWhenDone

        // The fleet is set up inside the group (`AgentLoopService`'s `prepare`), so that from
        // the first cgroup on, SIGINT and SIGTERM are the group's graceful shutdown.
        let pops = settings.pops.map(\.name).joined(separator: ", ")
        let group = ServiceGroup(configuration: Self.groupConfiguration(
            loop: AgentLoopService(loop: loop, logger: Logger(label: "headroom.agent.loop")) {
                try fleet.setUp()
                logger.info("POPs \(pops) created under \(runtime.prefix)")
                try fleet.startDeclared()
            },
            traces: TraceIntakeService(collector: traces, logger: Logger(label: "headroom.agent.traces")),
            logger: logger))
        defer {
            logger.info("removing the POPs' cgroups and namespaces")
            fleet.tearDown()
            traces.stop()
        }
        do { try await group.run() } catch {
            logger.critical("\(error)")
            throw ExitCode(1)
        }
    }

    /// The agent's services: the trace intake, then the run loop, so a graceful shutdown
    /// (which goes through the services in reverse order) drains the loop first — its last
    /// batch still carries the buffered trace events — and closes the intake after. The loop
    /// ending by itself (`--exit-when-done`) shuts the group down gracefully; SIGTERM and
    /// SIGINT do the same.
    static func groupConfiguration(loop: AgentLoopService, traces: TraceIntakeService, logger: Logger) -> ServiceGroupConfiguration {
        ServiceGroupConfiguration(
            services: [.init(service: traces),
                       .init(service: loop, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
    }

    /// The id of group `name` (a name, or a number), or nil when the host has no such group.
    static func groupID(_ name: String) -> gid_t? {
        if let number = gid_t(name) { return number }
        guard let entry = getgrnam(name) else { return nil }
        return entry.pointee.gr_gid
    }

    /// `name` in the directory of this executable.
    static func besideExecutable(_ name: String) -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return ((executable as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
