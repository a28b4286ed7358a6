import Resources

extension AgentCommand {
    /// The executors' view of a command from the scorer's list: each target's CPU and memory
    /// as cgroup limits (`ResourceLimits(allocation:)`); the other resources and the
    /// journal's bookkeeping (`decision_id`, `issued_at`, `steps`) are not theirs.
    public init(_ body: CommandBody) {
        self.init(id: body.id, workload: body.workload, action: body.action, strategy: body.strategy, sourcePop: body.sourcePop,
                  targets: body.targets.map { Target(pop: $0.pop, allocation: ResourceLimits(allocation: $0.allocation)) }, state: body.state)
    }
}

extension ResourceLimits {
    /// The CPU and memory of an allocation a cgroup can enforce: cores > 0, at least one
    /// page (4096 bytes) of memory; anything else (absent, zero, not finite) is no limit.
    public init(allocation: ResourceVector) {
        let cores = allocation.cpuCores, bytes = allocation.memoryBytes
        self.init(cpuCores: cores.isFinite && cores > 0 ? cores : nil,
                  memoryBytes: bytes.isFinite && bytes >= 4096 && bytes < 9.2e18 ? Int64(bytes) : nil)
    }

    /// As a resource vector (NaN = unlimited), the form a batch's `allocations` carry.
    public var vector: ResourceVector {
        var vector = ResourceVector.absent
        if let cpuCores { vector.cpuCores = cpuCores }
        if let memoryBytes { vector.memoryBytes = Double(memoryBytes) }
        return vector
    }
}

extension CommandReportBody {
    /// What an executor's result tells the scorer (its `message` stays in the agent's log
    /// and journal).
    public init(_ result: ExecutionResult) {
        let state: State = switch result.state {
        case .running: .running
        case .done: .done
        case .failed: .failed
        }
        self.init(state: state, steps: result.steps, movedBytes: result.movedBytes, downtimeMs: result.downtimeMs, progress: result.progress)
    }
}
