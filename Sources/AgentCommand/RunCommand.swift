import Agent
import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct RunCommand: ParsableCommand {
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
            created. Needs root (see docs/agent.md).
            """)

    @Option(help: "The fleet file with [agent] and [[workloads]].")
    var config: String

    @Option(help: "The headroom-launch helper (default: [agent] launcher, else next to this executable).")
    var launcher: String?

    @Flag(help: "Exit once every workload has finished or failed.")
    var exitWhenDone = false

    func run() throws {
        let settings: AgentConfig
        do { settings = try AgentConfig.load(path: config) } catch {
            FileHandle.standardError.write(Data("headroom-agent: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let log: (String) -> Void = { line in
            let stamp = ISO8601DateFormatter().string(from: Date())
            FileHandle.standardError.write(Data("\(stamp) headroom-agent: \(line)\n".utf8))
        }
        guard let tokenData = FileManager.default.contents(atPath: settings.tokenFile),
              case let token = String(decoding: tokenData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty else {
            log("cannot read a token from \(settings.tokenFile) (agent.token_file in \(config)): write the scorer's shared token there")
            throw ExitCode(2)
        }
        let launcherPath = launcher ?? settings.launcherPath ?? Self.besideExecutable("headroom-launch")
        guard access(launcherPath, X_OK) == 0 else {
            log("the launcher \(launcherPath) is missing or not executable; build it (swift build --product headroom-launch) or set agent.launcher")
            throw ExitCode(2)
        }
        let runtime: any POPRuntime
        do { runtime = try LocalRuntime.detect(root: settings.cgroupRoot, prefix: settings.cgroupPrefix, launcherPath: launcherPath) } catch {
            log("\(error)")
            throw ExitCode(1)
        }
        let fleet = LocalFleet(config: settings, runtime: runtime)
        fleet.log = log
        let criu = CRIUSupport.detect()
        log(criu.startupMessage)
        var traceConfiguration = TraceServer.Configuration(socketPath: fleet.defaultTraceSocketPath)
        if let group = settings.traceSocketGroup {
            guard let gid = Self.groupID(group) else {
                log("agent.trace_socket_group \"\(group)\" in \(config) is not a group on this host (getent group \(group))")
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
            log("\(error) (agent.state_directory in \(config))")
            throw ExitCode(2)
        }
        traces.start()
        fleet.traceSocketPath = traces.socketPath
        log("trace socket \(traces.socketPath) (HEADROOM_TRACE_SOCKET of every workload; mode 0660\(settings.traceSocketGroup.map { ", group \($0)" } ?? ""))")
        let loop = AgentRunLoop(fleet: fleet, client: ScorerClient(baseURL: URL(string: settings.scorerURL)!, token: token),
                                dispatcher: CommandDispatcher(criu: criu), traces: traces)
        loop.exitWhenDone = exitWhenDone

        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [loop] in loop.stop() }
            source.resume()
            sources.append(source)
        }
        defer {
            log("removing the POPs' cgroups and namespaces")
            fleet.tearDown()
            traces.stop()
            for source in sources { source.cancel() }
        }
        do {
            try fleet.setUp()
            log("POPs \(settings.pops.map(\.name).joined(separator: ", ")) created under \(runtime.prefix)")
            try fleet.startDeclared()
        } catch {
            log("\(error)")
            throw ExitCode(1)
        }
        loop.run()
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
