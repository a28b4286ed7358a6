import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The agent's local POPs and the workloads in them: creates the POP cgroups (and network
/// namespaces), launches the declared workloads, notices exits and OOM kills, and removes
/// everything on `tearDown`. The executors act through it. Not thread-safe: one loop owns it.
///
/// State directory layout: `journal.jsonl` (the executors' journal), `logs/<workload>.log`
/// (stdout and stderr), `pops/<pop>/checkpoints/<workload>/` (checkpoints, per POP: moving a
/// workload copies its directory), `parts/<workload>/` (a partition's part outputs),
/// `status.json` (per workload: POP, state, OOM kills, migrations, downtime), `trace.sock`
/// (the trace intake, while the agent runs).
public final class LocalFleet {
    public let config: AgentConfig
    public let runtime: any POPRuntime
    public let journal: ExecutionJournal
    /// The environment every workload starts with (plus its declared `env`,
    /// `HEADROOM_CHECKPOINT_DIR` and `HEADROOM_TRACE_SOCKET`).
    public let baseEnvironment: [String: String]
    /// The agent's trace socket (`STATE/trace.sock`), given to every process it launches
    /// as `HEADROOM_TRACE_SOCKET` (docs/trace-protocol.md); nil: no trace intake. A path
    /// socket is reachable from a POP's own network namespace too (only abstract sockets
    /// are per namespace).
    public var traceSocketPath: String?
    public private(set) var workloads: [String: ManagedWorkload] = [:]
    /// Called about every 100 ms while an executor waits, so the run loop keeps sampling.
    public var idle: () -> Void = {}
    /// The fleet's own events (workloads started, exited, restarted; clean-up), with
    /// `workload` and `pop` metadata; silent unless the agent gives it a handler.
    public var logger = AgentLogging.silent("headroom.agent.fleet")
    /// The executors' steps and results, with `command`, `workload` and `pop` metadata.
    public var executorLogger = AgentLogging.silent("headroom.agent.executor")
    /// How often an OOM-killed workload is restarted in place (from its last checkpoint)
    /// before it is left failed.
    public var maxRestarts = 3
    /// How VM workloads' accelerators were resolved (`auto` → KVM or TCG), once per agent.
    var resolvedAccelerators: [VMSpec.Accelerator: (accelerator: VMSpec.Accelerator, reason: String)] = [:]
    /// Called by executors with a move's progress (a VM's live migration: transferred,
    /// remaining, dirty rate); the run loop reports it to the scorer as a `running` step.
    public var progress: (AgentCommand, ExecutionResult) -> Void = { _, _ in }

    public init(config: AgentConfig, runtime: any POPRuntime, baseEnvironment: [String: String] = ProcessInfo.processInfo.environment) {
        self.config = config
        self.runtime = runtime
        self.baseEnvironment = baseEnvironment
        try? FileManager.default.createDirectory(atPath: config.stateDirectory, withIntermediateDirectories: true)
        self.journal = ExecutionJournal(path: "\(config.stateDirectory)/journal.jsonl")
    }

    // MARK: Paths

    public func checkpointDirectory(workload: String, pop: String) -> String {
        "\(config.stateDirectory)/pops/\(pop)/checkpoints/\(workload)"
    }

    public func logPath(workload: String) -> String { "\(config.stateDirectory)/logs/\(workload).log" }

    public func partsDirectory(workload: String) -> String { "\(config.stateDirectory)/parts/\(workload)" }

    /// Where `headroom-agent run` binds its trace socket.
    public var defaultTraceSocketPath: String { "\(config.stateDirectory)/trace.sock" }

    /// The main process of every running workload and of every part of a partitioned one.
    public var runningProcesses: [(workload: String, pid: Int32)] {
        var out: [(workload: String, pid: Int32)] = []
        for name in workloads.keys.sorted() {
            guard let workload = workloads[name] else { continue }
            if workload.state == .running, let process = workload.process { out.append((name, process.pid)) }
            if workload.state == .partitioned { out += workload.parts.map { (name, $0.process.pid) } }
        }
        return out
    }

    // MARK: Life cycle

    /// Removes leftovers of a crashed run (cgroups under the prefix, the POPs' namespaces),
    /// then creates the state directories, each POP's cgroup with its capacity as limits,
    /// and its namespace when configured.
    public func setUp() throws(RuntimeError) {
        try runtime.removeLeftovers()
        for pop in config.pops where pop.networkNamespace { try NetworkNamespace(name: pop.networkNamespaceName).delete() }
        for directory in ["logs", "pops", "parts"] {
            try? FileManager.default.createDirectory(atPath: "\(config.stateDirectory)/\(directory)", withIntermediateDirectories: true)
        }
        for pop in config.pops {
            try runtime.create(cgroup: runtime.popCgroup(pop.name), limits: pop.capacity)
            if pop.networkNamespace { try NetworkNamespace(name: pop.networkNamespaceName).create() }
        }
    }

    /// Launches every declared workload at its POP (resuming from a checkpoint a previous
    /// run left there).
    public func startDeclared() throws(RuntimeError) {
        for spec in config.workloads where workloads[spec.name] == nil {
            let workload = ManagedWorkload(spec: spec, pop: spec.pop, cgroup: runtime.workloadCgroup(pop: spec.pop, workload: spec.name))
            workloads[spec.name] = workload
            try runtime.create(cgroup: workload.cgroup, limits: spec.limits)
            let resume = hasCheckpoint(checkpointDirectory(workload: spec.name, pop: spec.pop))
            workload.process = try launch(workload, pop: spec.pop, cgroup: workload.cgroup, resume: resume)
            workload.startedAt = Date().timeIntervalSince1970
            logger.workload(spec.name, pop: spec.pop)
                .info("started \(spec.name) at \(spec.pop) (pid \(workload.process.map { "\($0.pid)" } ?? "?")\(resume ? ", resuming" : ""))")
        }
    }

    /// Kills every workload and removes every cgroup and namespace the agent created.
    ///
    /// Removal is tried up to three times: a workload launched just before (the last step of
    /// a move the shutdown let finish) may join its cgroup after the kill pass looked at it,
    /// through `headroom-launch`, and then keeps it busy; the next pass kills it.
    public func tearDown() {
        for attempt in 1...3 {
            do {
                try runtime.destroy(cgroup: runtime.prefix)
                break
            } catch {
                if attempt == 3 {
                    logger.error("cleanup: \(error)")
                } else {
                    logger.notice("cleanup: \(error); trying again")
                    usleep(100_000)
                }
            }
        }
        for workload in workloads.values {
            _ = workload.process?.poll()
            for part in workload.parts { _ = part.process.poll() }
        }
        for pop in config.pops where pop.networkNamespace {
            do { try NetworkNamespace(name: pop.networkNamespaceName).delete() } catch { logger.pop(pop.name).error("cleanup: \(error)") }
        }
    }

    // MARK: Launching

    /// The argument vector: the declared one, then the agent's arguments (output, checkpoint
    /// directory, resume, range) at the end, where an interpreter's script (`python3 -c …`,
    /// `sh -c …`) receives them as its own arguments.
    public func argv(_ spec: WorkloadSpec, checkpointDirectory: String?, resume: Bool, range: Range<Int>? = nil, output: String? = nil) -> [String] {
        var extra: [String] = []
        if let argument = spec.outputArgument, let path = output ?? spec.output { extra += [argument, path] }
        if let checkpoint = spec.checkpoint, let checkpointDirectory {
            extra += [checkpoint.directoryArgument, checkpointDirectory]
            if resume { extra.append(checkpoint.resumeArgument) }
        }
        if let range, let declared = spec.range { extra += [declared.argument, "\(range.lowerBound):\(range.upperBound)"] }
        return spec.argv + extra
    }

    func environment(_ spec: WorkloadSpec, checkpointDirectory: String?) -> [String: String] {
        var environment = baseEnvironment.merging(spec.environment) { $1 }
        if let checkpointDirectory { environment["HEADROOM_CHECKPOINT_DIR"] = checkpointDirectory }
        if let traceSocketPath { environment["HEADROOM_TRACE_SOCKET"] = traceSocketPath } else { environment["HEADROOM_TRACE_SOCKET"] = nil }
        return environment
    }

    /// Starts `workload` in `cgroup` at `pop` (which must exist), resuming when asked (a VM
    /// boots afresh: its state moves only by live migration).
    func launch(_ workload: ManagedWorkload, pop: String, cgroup: String, resume: Bool) throws(RuntimeError) -> LaunchedProcess {
        let spec = workload.spec
        if spec.vm != nil { return try launchVM(workload, pop: pop, cgroup: cgroup, incoming: false) }
        let directory = spec.checkpoint.map { _ in checkpointDirectory(workload: spec.name, pop: pop) }
        if let directory { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let netns = config.pop(named: pop).flatMap { $0.networkNamespace ? NetworkNamespace(name: $0.networkNamespaceName).path : nil }
        return try runtime.launch(LaunchRequest(argv: argv(spec, checkpointDirectory: directory, resume: resume),
                                                environment: environment(spec, checkpointDirectory: directory), cgroup: cgroup,
                                                networkNamespacePath: netns, logPath: logPath(workload: spec.name)))
    }

    /// Whether `directory` holds a checkpoint (any file).
    public func hasCheckpoint(_ directory: String) -> Bool {
        !((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }.isEmpty
    }

    // MARK: Watching

    /// Polls every process: records exits, counts OOM kills from the cgroups' counters,
    /// restarts an OOM-killed workload in place from its last checkpoint (up to
    /// `maxRestarts`). Returns what
    /// happened, one line each.
    @discardableResult
    public func poll() -> [String] {
        var events: [String] = []
        for name in workloads.keys.sorted() {
            guard let workload = workloads[name] else { continue }
            workload.oomKillsHere = max(workload.oomKillsHere, runtime.oomKills(cgroup: workload.cgroup))
            if workload.state == .partitioned { continue }  // its executor watches the parts
            guard workload.state == .running, let process = workload.process, let exit = process.poll() else { continue }
            workload.oomKillsHere = max(workload.oomKillsHere, runtime.oomKills(cgroup: workload.cgroup))
            if workload.spec.vm != nil { removeVMSockets(workload: name, pop: workload.pop) }
            let pop = workload.pop
            func note(_ level: Logger.Level, _ line: String) {
                events.append(line)
                logger.workload(name, pop: pop).log(level: level, "\(line)")
            }
            if exit == .exited(0) {
                workload.state = .finished
                workload.finishedAt = Date().timeIntervalSince1970
                note(.info, "\(name) finished at \(workload.pop)")
            } else if exit == .signalled(SIGKILL), workload.restarts < maxRestarts {
                workload.restarts += 1
                let resume = hasCheckpoint(checkpointDirectory(workload: name, pop: workload.pop))
                note(.warning, "\(name) \(exit) at \(workload.pop) (OOM kills so far: \(workload.oomKills)); restarting it there\(resume ? " from its last checkpoint" : "")")
                do { workload.process = try launch(workload, pop: workload.pop, cgroup: workload.cgroup, resume: resume) } catch {
                    workload.state = .failed("restart failed: \(error)")
                    logger.workload(name, pop: workload.pop).error("restart failed: \(error)")
                }
            } else {
                workload.state = .failed("\(exit)")
                note(.error, "\(name) \(exit) at \(workload.pop); left failed (log: \(logPath(workload: name)))")
            }
        }
        return events
    }

    // MARK: Moving (used by the executors)

    /// Memory and CPU the workloads at `pop` have been given, besides `excluding`.
    public func allocated(at pop: String, excluding: String? = nil) -> ResourceLimits {
        var cores = 0.0, bytes: Int64 = 0
        for workload in workloads.values where workload.name != excluding {
            if workload.state == .running, workload.pop == pop {
                cores += workload.limits.cpuCores ?? 0
                bytes += workload.limits.memoryBytes ?? 0
            }
            for part in workload.parts where part.pop == pop && workload.state == .partitioned {
                cores += workload.limits.cpuCores ?? 0
                bytes += workload.limits.memoryBytes ?? 0
            }
        }
        return ResourceLimits(cpuCores: cores, memoryBytes: bytes)
    }

    /// Whether `pop` has room for `limits` besides what it already gives (unconstrained
    /// resources always fit; an unlimited request never fits a constrained POP).
    public func hasRoom(at pop: String, for limits: ResourceLimits, excluding: String? = nil) -> Bool {
        guard let capacity = config.pop(named: pop)?.capacity else { return false }
        let used = allocated(at: pop, excluding: excluding)
        if let memory = capacity.memoryBytes {
            guard let wanted = limits.memoryBytes, wanted + (used.memoryBytes ?? 0) <= memory else { return false }
        }
        if let cores = capacity.cpuCores {
            guard let wanted = limits.cpuCores, wanted + (used.cpuCores ?? 0) <= cores + 1e-9 else { return false }
        }
        return true
    }

    /// Records that `workload` now runs as `process` in `cgroup` at `pop`.
    func moved(_ workload: ManagedWorkload, to pop: String, cgroup: String, limits: ResourceLimits, process: LaunchedProcess) {
        workload.oomKillsBefore += max(workload.oomKillsHere, runtime.oomKills(cgroup: workload.cgroup))
        workload.oomKillsHere = 0
        workload.pop = pop
        workload.cgroup = cgroup
        workload.limits = limits
        workload.process = process
        workload.migrations += 1
    }

    func setLimits(_ workload: ManagedWorkload, _ limits: ResourceLimits) { workload.limits = limits }

    func setCheckpoint(_ workload: ManagedWorkload, at seconds: Int64) { workload.lastCheckpointAt = seconds }

    func addDowntime(_ workload: ManagedWorkload, milliseconds: Double) { workload.downtimeMilliseconds += milliseconds }

    func recordMove(_ workload: ManagedWorkload, strategy: String, movedBytes: Double) {
        workload.lastMoveStrategy = strategy
        workload.movedBytes += movedBytes
    }

    func setRunning(_ workload: ManagedWorkload, process: LaunchedProcess) {
        workload.process = process
        workload.state = .running
    }

    func setFailed(_ workload: ManagedWorkload, _ reason: String) { workload.state = .failed(reason) }

    func setFinished(_ workload: ManagedWorkload) {
        workload.state = .finished
        workload.finishedAt = Date().timeIntervalSince1970
    }

    func setPartitioned(_ workload: ManagedWorkload, parts: [ManagedWorkload.Part]) {
        workload.parts = parts
        workload.state = .partitioned
        workload.process = nil
    }

    /// Waits up to `timeoutSeconds` for `process` to exit, calling `idle` meanwhile.
    func wait(for process: LaunchedProcess, timeoutSeconds: Double) -> ProcessExit? {
        let deadline = MonotonicClock.seconds() + timeoutSeconds
        var lastIdle = MonotonicClock.seconds()
        while MonotonicClock.seconds() < deadline {
            if let exit = process.poll() { return exit }
            usleep(10_000)
            if MonotonicClock.seconds() - lastIdle >= 0.1 {
                idle()
                lastIdle = MonotonicClock.seconds()
            }
        }
        return process.poll()
    }

    // MARK: Status

    /// `status.json`: per workload its POP, state, OOM kills, migrations, restarts and
    /// downtime; written atomically.
    public func writeStatus() {
        var entries: [String: [String: Any]] = [:]
        for (name, w) in workloads {
            let state: String = switch w.state {
            case .running: "running"
            case .finished: "finished"
            case let .failed(reason): "failed: \(reason)"
            case .partitioned: "partitioned"
            }
            entries[name] = ["pop": w.pop, "state": state, "oom_kills": w.oomKills, "migrations": w.migrations, "restarts": w.restarts,
                             "downtime_ms": w.downtimeMilliseconds, "moved_bytes": w.movedBytes,
                             "strategy": w.lastMoveStrategy as Any? ?? NSNull(), "kind": w.spec.vm == nil ? "process" : "vm", "limits": ["cpu_cores": w.limits.cpuCores as Any? ?? NSNull(),
                                                                              "memory_bytes": w.limits.memoryBytes as Any? ?? NSNull()],
                             "started_at": w.startedAt as Any? ?? NSNull(), "finished_at": w.finishedAt as Any? ?? NSNull()]
        }
        guard let data = try? JSONSerialization.data(withJSONObject: ["workloads": entries], options: [.sortedKeys, .prettyPrinted]) else { return }
        let path = "\(config.stateDirectory)/status.json"
        guard FileManager.default.createFile(atPath: path + ".tmp", contents: data) else { return }
        rename(path + ".tmp", path)
    }
}

extension ManagedWorkload {
    public var name: String { spec.name }
}
