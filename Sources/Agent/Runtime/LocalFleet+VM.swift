import Foundation

/// VM workloads (`kind = "vm"`): each is one QEMU process in its workload cgroup, started
/// through `headroom-launch` like any workload (so QEMU's first instruction, and every page
/// of guest RAM it touches, is charged to that cgroup), with a QMP socket per POP:
///
/// - `STATE/vms/<pop>/<workload>.qmp` — QMP (the source's and the target's during a move);
/// - `STATE/vms/<pop>/<workload>.migrate` — the incoming migration stream's socket at a target;
/// - the guest's ttyS0 (its program's output) appended to `output`, default
///   `STATE/logs/<workload>.serial`, and ttyS1 (the kernel console) to `STATE/logs/<workload>.console`;
///   QEMU's own stderr goes to `STATE/logs/<workload>.log`.
///
/// Sockets are removed when QEMU exits; the cgroup goes the way of every workload's.
extension LocalFleet {
    public func vmDirectory(pop: String) -> String { "\(config.stateDirectory)/vms/\(pop)" }

    public func qmpSocketPath(workload: String, pop: String) -> String { "\(vmDirectory(pop: pop))/\(workload).qmp" }

    public func migrationSocketPath(workload: String, pop: String) -> String { "\(vmDirectory(pop: pop))/\(workload).migrate" }

    /// The guest's ttyS0: its program's output, continued across moves.
    public func serialOutputPath(_ spec: WorkloadSpec) -> String { spec.output ?? "\(config.stateDirectory)/logs/\(spec.name).serial" }

    public func consolePath(workload: String) -> String { "\(config.stateDirectory)/logs/\(workload).console" }

    /// KVM or TCG for `spec`, resolved once per agent (and logged once).
    func accelerator(for spec: VMSpec) -> VMSpec.Accelerator {
        if let known = resolvedAccelerators[spec.accelerator] { return known.accelerator }
        let resolved = QEMUAccelerator.resolve(spec.accelerator)
        resolvedAccelerators[spec.accelerator] = resolved
        logger.info("VM accelerator (\(spec.accelerator.rawValue)): \(resolved.reason)")
        return resolved.accelerator
    }

    /// QEMU's command line for `workload` at `pop` (`incoming`: the target of a live migration).
    public func qemuCommandLine(_ workload: ManagedWorkload, pop: String, incoming: Bool) -> QEMUCommandLine? {
        guard let vm = workload.spec.vm else { return nil }
        return QEMUCommandLine(spec: vm, name: workload.name, accelerator: accelerator(for: vm),
                               qmpSocket: qmpSocketPath(workload: workload.name, pop: pop), outputPath: serialOutputPath(workload.spec),
                               consolePath: consolePath(workload: workload.name), incoming: incoming)
    }

    /// Starts `workload`'s QEMU in `cgroup` at `pop` (its POP's network namespace too, if any).
    func launchVM(_ workload: ManagedWorkload, pop: String, cgroup: String, incoming: Bool) throws(RuntimeError) -> LaunchedProcess {
        guard let commandLine = qemuCommandLine(workload, pop: pop, incoming: incoming) else {
            throw RuntimeError.notAVirtualMachine(workload.name)
        }
        try? FileManager.default.createDirectory(atPath: vmDirectory(pop: pop), withIntermediateDirectories: true)
        try? FileManager.default.createDirectory(atPath: "\(config.stateDirectory)/logs", withIntermediateDirectories: true)
        removeVMSockets(workload: workload.name, pop: pop)
        let netns = config.pop(named: pop).flatMap { $0.networkNamespace ? NetworkNamespace(name: $0.networkNamespaceName).path : nil }
        var environment = baseEnvironment.merging(workload.spec.environment) { $1 }
        environment["HEADROOM_TRACE_SOCKET"] = nil
        return try runtime.launch(LaunchRequest(argv: commandLine.argv, environment: environment, cgroup: cgroup,
                                                networkNamespacePath: netns, logPath: logPath(workload: workload.name)))
    }

    /// Removes the QMP and migration sockets of `workload` at `pop` (QEMU leaves them behind).
    func removeVMSockets(workload: String, pop: String) {
        unlink(qmpSocketPath(workload: workload, pop: pop))
        unlink(migrationSocketPath(workload: workload, pop: pop))
    }
}
