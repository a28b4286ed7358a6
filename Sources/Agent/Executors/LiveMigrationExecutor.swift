import Logging

/// Live migration: a VM by QEMU's pre-copy migration (`VMMigrationExecutor`). A process:
/// where `criu check` passes, CRIU pre-dump iterations while the workload
/// runs, then a final dump and a restore at the target (`CRIUMoveExecutor` with a
/// `PreDumpPolicy`). Where it does not, the move falls back to checkpoint/restart by the
/// cooperative protocol and says so as its first step (`fallback_checkpoint_restart`:
/// "live migration unsupported, falling back to checkpoint/restart: criu not available
/// (…): using the cooperative protocol").
public struct LiveMigrationExecutor {
    public var criu: CRIUSupport
    public var preDumps: PreDumpPolicy

    public init(criu: CRIUSupport, preDumps: PreDumpPolicy = PreDumpPolicy()) {
        self.criu = criu
        self.preDumps = preDumps
    }

    public func execute(_ command: AgentCommand, workload: ManagedWorkload, target: AgentCommand.Target, fleet: LocalFleet) -> ExecutionResult {
        if workload.spec.vm != nil { return VMMigrationExecutor().execute(command, workload: workload, target: target, fleet: fleet) }
        if criu.available {
            return CRIUMoveExecutor(criu: criu, preDumps: preDumps).execute(command, workload: workload, target: target, fleet: fleet, note: "criu_live")
        }
        let note = "live migration unsupported, falling back to checkpoint/restart: \(criu.fallbackMessage)"
        fleet.executorLogger.command(command.id, workload: workload.name, pop: workload.pop).notice("\(note)")
        fleet.journal.record(command: command.id, workload: workload.name, step: "fallback_checkpoint_restart", detail: note)
        return CheckpointRestartExecutor().execute(command, workload: workload, target: target, fleet: fleet, note: "fallback_checkpoint_restart")
    }
}
