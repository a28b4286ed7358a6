import Logging

/// Checks a scorer command against what this agent runs and hands it to its executor:
/// a VM's moves go to `VMMigrationExecutor` (QEMU live migration, whatever the strategy);
/// checkpoint/restart and live moves go to `CRIUMoveExecutor` where `criu check` passed, else
/// to the cooperative protocol (a `criu_unavailable` step and log line name the reason).
///
/// Refused (failed, nothing done) when it names a workload that is not declared, a POP this
/// agent does not run, or a source POP the workload is not at. A command whose result is in
/// the journal is not executed again: the recorded result is returned (idempotence across
/// agent restarts and repeated polls).
public struct CommandDispatcher {
    public var criu: CRIUSupport
    /// How VM workloads move (always live, through QMP).
    public var vmMigration: VMMigrationExecutor

    public init(criu: CRIUSupport, vmMigration: VMMigrationExecutor = VMMigrationExecutor()) {
        self.criu = criu
        self.vmMigration = vmMigration
    }

    public func execute(_ command: AgentCommand, fleet: LocalFleet) -> ExecutionResult {
        if let recorded = fleet.journal.result(command: command.id) { return recorded }
        let result = run(command, fleet: fleet)
        fleet.journal.finish(command: command.id, workload: command.workload, result: result)
        fleet.executorLogger.command(command.id, workload: command.workload, pop: command.sourcePop)
            .log(level: result.state == .failed ? .warning : .info,
                 "\(command.action.rawValue)/\(command.strategy): \(result.state.rawValue): \(result.message)")
        return result
    }

    private func run(_ command: AgentCommand, fleet: LocalFleet) -> ExecutionResult {
        func refuse(_ message: String) -> ExecutionResult { ExecutionResult(state: .failed, steps: ["refused"], message: "refused: \(message)") }
        guard let workload = fleet.workloads[command.workload] else {
            return refuse("unknown workload \"\(command.workload)\" (declared: \(fleet.workloads.keys.sorted().joined(separator: ", ")))")
        }
        let ours = fleet.config.pops.map(\.name)
        for pop in [command.sourcePop] + command.targets.map(\.pop) where !ours.contains(pop) {
            return refuse("POP \"\(pop)\" is not run by this agent (its POPs: \(ours.joined(separator: ", ")))")
        }
        guard command.sourcePop == workload.pop || command.action == .partition && workload.state == .partitioned else {
            return refuse("\(workload.name) runs at \(workload.pop), not at the command's source \(command.sourcePop)")
        }
        switch command.action {
        case .none:
            return ExecutionResult(state: .done, steps: [], message: "nothing to do")
        case .resize:
            return ResizeExecutor().execute(command, workload: workload, fleet: fleet)
        case .partition:
            return PartitionExecutor().execute(command, workload: workload, fleet: fleet)
        case .migrate, .restart:
            guard let target = command.targets.first, command.targets.count == 1 else {
                return refuse("a \(command.action.rawValue) needs exactly one target, got \(command.targets.count)")
            }
            if workload.spec.vm != nil {
                // A VM's state is its QEMU's: it moves by QEMU's live migration whatever the
                // strategy (a checkpoint/restart of QEMU would be the same stream, paused first).
                return vmMigration.execute(command, workload: workload, target: target, fleet: fleet,
                                           note: command.strategy == "live" ? nil : "vm_live_migration")
            }
            if command.strategy == "live" {
                return LiveMigrationExecutor(criu: criu).execute(command, workload: workload, target: target, fleet: fleet)
            }
            if criu.available {
                return CRIUMoveExecutor(criu: criu).execute(command, workload: workload, target: target, fleet: fleet, note: "criu")
            }
            fleet.executorLogger.command(command.id, workload: workload.name, pop: workload.pop).notice("\(criu.fallbackMessage)")
            fleet.journal.record(command: command.id, workload: workload.name, step: "criu_unavailable", detail: criu.fallbackMessage)
            return CheckpointRestartExecutor().execute(command, workload: workload, target: target, fleet: fleet, note: "criu_unavailable")
        }
    }
}
