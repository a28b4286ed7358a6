import Foundation
import Logging

/// What the moving executors (cooperative checkpoint/restart, CRIU) share: the steps they
/// reach, journaled and logged as they happen; the checks and the target cgroup before a
/// move; and the last resort after a failure, starting the workload again at the source.
final class MoveContext {
    let command: AgentCommand
    let workload: ManagedWorkload
    let fleet: LocalFleet
    /// The POP the workload was at when the command started.
    let source: String
    /// The executors' logger with this command's `command`, `workload` and `pop` (the source).
    let logger: Logger
    private(set) var steps: [String]

    /// `steps`: those an executor that handed over already reached.
    init(command: AgentCommand, workload: ManagedWorkload, fleet: LocalFleet, steps: [String]) {
        self.command = command
        self.workload = workload
        self.fleet = fleet
        self.source = workload.pop
        self.steps = steps
        self.logger = fleet.executorLogger.command(command.id, workload: workload.name, pop: workload.pop)
    }

    /// Appends `name` to the steps, the journal and the log.
    func step(_ name: String, _ detail: String? = nil) {
        steps.append(name)
        fleet.journal.record(command: command.id, workload: workload.name, step: name, detail: detail)
        logger.info("\(name)\(detail.map { " (\($0))" } ?? "")")
    }

    func fail(_ message: String) -> ExecutionResult {
        logger.warning("failed: \(message)")
        return ExecutionResult(state: .failed, steps: steps, message: message)
    }

    /// The checks every move makes (running here, another POP, room there) and the target
    /// workload cgroup created with the command's allocation: the limits and cgroup, or the
    /// failed result (nothing done).
    func prepareTarget(_ target: AgentCommand.Target) -> Result<(limits: ResourceLimits, cgroup: String), MoveRefusal> {
        guard workload.state == .running, let process = workload.process, process.isRunning else {
            return .failure(MoveRefusal(result: fail("\(workload.name) is not running at \(workload.pop); nothing to move")))
        }
        guard target.pop != source else { return .failure(MoveRefusal(result: fail("\(workload.name) already runs at \(source)"))) }
        var limits = workload.limits
        if let cores = target.allocation.cpuCores { limits.cpuCores = cores }
        if let bytes = target.allocation.memoryBytes { limits.memoryBytes = bytes }
        guard fleet.hasRoom(at: target.pop, for: limits, excluding: workload.name) else {
            let memory = limits.memoryBytes.map { "\($0)" } ?? "unlimited"
            return .failure(MoveRefusal(result: fail("target POP \(target.pop) has no room for \(workload.name) (memory_bytes=\(memory)); it keeps running at \(source)")))
        }
        let cgroup = fleet.runtime.workloadCgroup(pop: target.pop, workload: workload.name)
        do { try fleet.runtime.create(cgroup: cgroup, limits: limits) } catch {
            try? fleet.runtime.destroy(cgroup: cgroup)
            return .failure(MoveRefusal(result: fail("cannot create \(cgroup): \(error); \(workload.name) keeps running at \(source)")))
        }
        return .success((limits, cgroup))
    }

    /// Records the move to `pop` as `process` in `cgroup` and removes the source cgroup.
    func finishMove(to pop: String, cgroup: String, limits: ResourceLimits, process: LaunchedProcess, downtimeMs: Double) {
        let oldCgroup = workload.cgroup
        fleet.moved(workload, to: pop, cgroup: cgroup, limits: limits, process: process)
        fleet.addDowntime(workload, milliseconds: downtimeMs)
        try? fleet.runtime.destroy(cgroup: oldCgroup)
    }

    /// The workload exited (or cannot be started at the target): start it again at the
    /// source, from its last good cooperative checkpoint when there is one. A workload still
    /// running is left alone.
    func restartAtSource(_ reason: String) -> ExecutionResult {
        if workload.process?.isRunning == true { return fail("\(reason); \(workload.name) keeps running at \(source)") }
        let resume = workload.spec.checkpoint != nil && fleet.hasCheckpoint(fleet.checkpointDirectory(workload: workload.name, pop: source))
        do {
            let process = try fleet.launch(workload, pop: source, cgroup: workload.cgroup, resume: resume)
            fleet.setRunning(workload, process: process)
            step("restarted_at_source", resume ? "from its last checkpoint" : "from the beginning (no checkpoint)")
            return fail("\(reason); restarted at \(source) \(resume ? "from its last good checkpoint" : "from the beginning")")
        } catch {
            fleet.setFailed(workload, "restart at \(source) failed: \(error)")
            return fail("\(reason); restarting at \(source) failed too: \(error)")
        }
    }
}

/// A move refused before anything was done, as the result to report.
struct MoveRefusal: Error {
    var result: ExecutionResult
}
