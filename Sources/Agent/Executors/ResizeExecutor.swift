/// Resize in place: rewrites the workload's cgroup limits to the command's allocation at
/// its current POP (`memory.limit_in_bytes` / `cpu.cfs_quota_us` on v1, `memory.max` /
/// `cpu.max` on v2). Idempotent: writing the same limits twice changes nothing. Refused
/// when the POP has no room for the new allocation; a kernel refusal (memory below what
/// the workload uses, `EBUSY`; a quota above the POP's, `EINVAL`) fails the command and
/// restores the previous limits.
public struct ResizeExecutor {
    public init() {}

    public func execute(_ command: AgentCommand, workload: ManagedWorkload, fleet: LocalFleet) -> ExecutionResult {
        guard let target = command.targets.first(where: { $0.pop == workload.pop }) ?? command.targets.first else {
            return ExecutionResult(state: .failed, steps: [], message: "resize of \(workload.name) names no target allocation")
        }
        guard target.pop == workload.pop else {
            return ExecutionResult(state: .failed, steps: [], message: "resize of \(workload.name) targets \(target.pop) but it runs at \(workload.pop)")
        }
        var limits = workload.limits
        if let cores = target.allocation.cpuCores { limits.cpuCores = cores }
        if let bytes = target.allocation.memoryBytes { limits.memoryBytes = bytes }
        guard fleet.hasRoom(at: workload.pop, for: limits, excluding: workload.name) else {
            return ExecutionResult(state: .failed, steps: [],
                                   message: "resize of \(workload.name) refused: POP \(workload.pop) has no room for cpu_cores=\(limits.cpuCores.map { "\($0)" } ?? "unlimited") memory_bytes=\(limits.memoryBytes.map { "\($0)" } ?? "unlimited") besides its other workloads")
        }
        let previous = workload.limits
        do {
            try fleet.runtime.resize(cgroup: workload.cgroup, limits: limits)
        } catch {
            try? fleet.runtime.resize(cgroup: workload.cgroup, limits: previous)
            return ExecutionResult(state: .failed, steps: [], message: "resize of \(workload.name) failed, previous limits kept: \(error)")
        }
        fleet.setLimits(workload, limits)
        fleet.journal.record(command: command.id, workload: workload.name, step: "limits_written",
                             detail: "cpu_cores=\(limits.cpuCores.map { "\($0)" } ?? "max") memory_bytes=\(limits.memoryBytes.map { "\($0)" } ?? "max")")
        return ExecutionResult(state: .done, steps: ["limits_written"], message: "resized \(workload.name) at \(workload.pop)", downtimeMs: 0)
    }
}
