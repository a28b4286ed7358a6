/// Live migration (CRIU pre-dump iterations, then a final dump and a restore at the
/// target). This agent has no CRIU dump/restore path yet, so a live move always falls back
/// to checkpoint/restart and says so as its first step: "criu not available: using the
/// cooperative protocol" (or, where `criu check` passes, that the CRIU path is not
/// implemented).
public struct LiveMigrationExecutor {
    public var criu: CRIUSupport

    public init(criu: CRIUSupport) { self.criu = criu }

    public func execute(_ command: AgentCommand, workload: ManagedWorkload, target: AgentCommand.Target, fleet: LocalFleet) -> ExecutionResult {
        let note = "live migration unsupported, falling back to checkpoint/restart: \(criu.fallbackMessage)"
        fleet.log("command \(command.id) \(workload.name): \(note)")
        fleet.journal.record(command: command.id, workload: workload.name, step: "fallback_checkpoint_restart", detail: note)
        return CheckpointRestartExecutor().execute(command, workload: workload, target: target, fleet: fleet, note: "fallback_checkpoint_restart")
    }
}
