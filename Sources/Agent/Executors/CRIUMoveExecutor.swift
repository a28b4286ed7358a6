import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Checkpoint/restart and live migration with CRIU (used where `criu check` passes):
///
/// 1. room: as for every move, the target POP must have room; its cgroup is created;
/// 2. live only, `pre_dumped` × n: `criu pre-dump --track-mem` into `1/`, `2/`, … (each
///    with `--prev-images-dir ../n-1`) while the workload runs, each copied to the target
///    at once, until `PreDumpPolicy` stops (dirty set small, not shrinking, or n = max); a
///    failed pre-dump ends the iterations (`pre_dump_failed`) and the dump goes on from the
///    last good one;
/// 3. `dumped`: `criu dump --leave-stopped` into `final/` (on top of the last pre-dump);
/// 4. `copied`: `final/` copied to the target and the images checked there;
/// 5. `stopped_at_source`: the stopped source tree is killed and reaped (the restore needs
///    its pid);
/// 6. `restored_at_target`: `criu restore` run inside the target cgroup and namespace; the
///    restored root (same pid) is the workload's process; the source cgroup is removed.
///
/// Failures: a dump that fails thaws the tree (CRIU does; the agent adds `SIGCONT`), and
/// the workload keeps running at the source, or, if it declares the cooperative protocol,
/// is moved by that instead (`criu_dump_failed`, then its steps). Missing images or a
/// failed copy resume the stopped tree at the source (`SIGCONT`). A restore that fails at
/// the target restores the same dump at the source (`restored_at_source`: resumed from the
/// checkpoint just taken), and if that fails too the workload is started again at the
/// source from its last cooperative checkpoint or the beginning (`restarted_at_source`).
/// Downtime runs from the final dump's start to the restore's end. The images are removed
/// once the restore succeeded; after a failure they stay, with each operation's log.
public struct CRIUMoveExecutor {
    public var criu: CRIUSupport
    /// nil: checkpoint/restart (one dump); else a live move's pre-dump rule.
    public var preDumps: PreDumpPolicy?
    /// Per CRIU operation.
    public var timeoutSeconds: Double

    public init(criu: CRIUSupport, preDumps: PreDumpPolicy? = nil, timeoutSeconds: Double = 300) {
        self.criu = criu
        self.preDumps = preDumps
        self.timeoutSeconds = timeoutSeconds
    }

    public func execute(_ command: AgentCommand, workload: ManagedWorkload, target: AgentCommand.Target, fleet: LocalFleet,
                        note: String? = nil) -> ExecutionResult {
        let move = MoveContext(command: command, workload: workload, fleet: fleet, steps: note.map { [$0] } ?? [])
        if let note { fleet.journal.record(command: command.id, workload: workload.name, step: note, detail: criu.reason) }
        let prepared: (limits: ResourceLimits, cgroup: String)
        switch move.prepareTarget(target) {
        case let .success(value): prepared = value
        case let .failure(refusal): return refusal.result
        }
        guard let process = workload.process else { return move.fail("\(workload.name) has no process") }
        let source = move.source, targetCgroup = prepared.cgroup
        let arguments = CRIUArguments(executable: criu.executable)
        let runner = CRIURunner(fleet: fleet, timeoutSeconds: timeoutSeconds)
        let here = CRIUImages(stateDirectory: fleet.config.stateDirectory, pop: source, workload: workload.name, command: command.id)
        let there = CRIUImages(stateDirectory: fleet.config.stateDirectory, pop: target.pop, workload: workload.name, command: command.id)
        for images in [here, there] { try? FileManager.default.removeItem(atPath: images.root) }
        try? FileManager.default.createDirectory(atPath: here.root, withIntermediateDirectories: true)

        /// Gives up with the workload thawed at the source (or restarted if it died).
        func keepAtSource(_ reason: String) -> ExecutionResult {
            try? fleet.runtime.destroy(cgroup: targetCgroup)
            process.signal(SIGCONT)
            return process.isRunning ? move.fail("\(reason); \(workload.name) keeps running at \(source)") : move.restartAtSource(reason)
        }

        // 2: pre-dumps (live).
        var parent: String?
        var movedBytes: Int64 = 0
        if let policy = preDumps {
            var dirty: [Int64] = []
            while policy.shouldContinue(dirtyBytes: dirty) {
                let name = CRIUImages.name(preDump: dirty.count + 1)
                try? FileManager.default.createDirectory(atPath: here.path(name), withIntermediateDirectories: true)
                let argv = arguments.preDump(pid: process.pid, imagesDirectory: here.path(name), previous: parent.map { "../\($0)" })
                if case let .failed(reason) = runner.run(argv, operation: "pre-dump-\(name)", pop: source, cgroup: nil, images: here) {
                    process.signal(SIGCONT)
                    move.step("pre_dump_failed", reason)
                    break
                }
                do { movedBytes += try here.copy(name, to: there) } catch {
                    return keepAtSource("copying pre-dump \(name) to \(there.root) failed: \(error)")
                }
                dirty.append(CRIUImages.pageBytes(in: here.path(name)))
                move.step("pre_dumped", "iteration \(name): \(dirty.last!) bytes of dirty pages")
                parent = name
            }
            guard process.isRunning else { return keepAtSource("\(workload.name) exited during the pre-dumps") }
        }

        // 3: the final dump.
        let dumpStarted = MonotonicClock.seconds()
        let final = CRIUImages.finalName
        try? FileManager.default.createDirectory(atPath: here.path(final), withIntermediateDirectories: true)
        let dumpArgv = arguments.dump(pid: process.pid, imagesDirectory: here.path(final), previous: parent.map { "../\($0)" })
        if case let .failed(reason) = runner.run(dumpArgv, operation: "dump", pop: source, cgroup: nil, images: here) {
            process.signal(SIGCONT)
            if process.isRunning, workload.spec.checkpoint != nil {
                move.step("criu_dump_failed", "\(reason); trying the cooperative protocol")
                return CheckpointRestartExecutor().execute(command, workload: workload, target: target, fleet: fleet, steps: move.steps)
            }
            return keepAtSource(reason)
        }
        let missing = CRIUImages.missingImages(in: here.path(final), pid: process.pid)
        guard missing.isEmpty else { return keepAtSource("criu dump left no \(missing.joined(separator: ", ")) in \(here.path(final))") }
        fleet.setCheckpoint(workload, at: Int64(Date().timeIntervalSince1970))
        move.step("dumped", here.path(final))

        // 4: copy and check.
        do { movedBytes += try here.copy(final, to: there) } catch {
            return keepAtSource("copying the dump to \(there.root) failed: \(error)")
        }
        let missingThere = CRIUImages.missingImages(in: there.path(final), pid: process.pid)
        guard missingThere.isEmpty else { return keepAtSource("the copy at \(there.path(final)) lacks \(missingThere.joined(separator: ", "))") }
        move.step("copied", "\(movedBytes) bytes to \(there.root)")

        // 5–6: stop the source for good, restore at the target.
        process.signal(SIGKILL)
        let exit = process.wait()
        move.step("stopped_at_source", "pid \(process.pid) \(exit)")
        switch runner.restore(there.path(final), arguments: arguments, pop: target.pop, cgroup: targetCgroup, images: there, operation: "restore") {
        case let .success(restored):
            let downtime = (MonotonicClock.seconds() - dumpStarted) * 1000
            move.finishMove(to: target.pop, cgroup: targetCgroup, limits: prepared.limits, process: restored, downtimeMs: downtime)
            move.step("restored_at_target", "pid \(restored.pid) in \(targetCgroup)")
            // The images are stale once the tree runs again: free the disk they hold.
            for images in [here, there] { try? FileManager.default.removeItem(atPath: images.root) }
            return ExecutionResult(state: .done, steps: move.steps,
                                   message: "moved \(workload.name) from \(source) to \(target.pop) with criu in \(Int(downtime)) ms",
                                   movedBytes: Double(movedBytes), downtimeMs: downtime)
        case let .failure(atTarget):
            move.step("restore_failed_at_target", atTarget.message)
            try? fleet.runtime.destroy(cgroup: targetCgroup)
            switch runner.restore(here.path(final), arguments: arguments, pop: source, cgroup: workload.cgroup, images: here,
                                  operation: "restore-at-source") {
            case let .success(restored):
                fleet.setRunning(workload, process: restored)
                move.step("restored_at_source", "pid \(restored.pid) from \(here.path(final))")
                return move.fail("\(atTarget.message); \(workload.name) resumed at \(source) from the checkpoint just taken")
            case let .failure(atSource):
                move.step("restore_failed_at_source", atSource.message)
                return move.restartAtSource("\(atTarget.message); restoring at \(source) failed too")
            }
        }
    }
}
