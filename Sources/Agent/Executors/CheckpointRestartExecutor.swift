import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Checkpoint/restart by the cooperative protocol (docs/checkpoint-protocol.md):
///
/// 1. room: the target POP must have room for the allocation (else failed, nothing done);
///    its cgroup is created with it;
/// 2. `signalled`: the workload's checkpoint signal;
/// 3. `checkpointed`: it exits 85 within the declared timeout, with a checkpoint file
///    written since the signal;
/// 4. `copied`: its checkpoint directory is copied to the target POP's (into a temporary
///    name, then renamed over the old one: the target never sees half a checkpoint);
/// 5. `started_at_target`: relaunched in the target cgroup with the resume argument; only
///    then is the source cgroup removed.
///
/// On any failure the workload keeps running at the source (no checkpoint came: the
/// process is left alone), or is started again at the source from its last good checkpoint
/// (it exited, or the copy or the start at the target failed). Downtime is measured from
/// the signal to the start at the target.
public struct CheckpointRestartExecutor {
    public init() {}

    public func execute(_ command: AgentCommand, workload: ManagedWorkload, target: AgentCommand.Target, fleet: LocalFleet,
                        note: String? = nil) -> ExecutionResult {
        execute(command, workload: workload, target: target, fleet: fleet, steps: note.map { [$0] } ?? [])
    }

    /// The same, after `steps` another executor reached (a CRIU dump that failed).
    func execute(_ command: AgentCommand, workload: ManagedWorkload, target: AgentCommand.Target, fleet: LocalFleet,
                 steps: [String]) -> ExecutionResult {
        let move = MoveContext(command: command, workload: workload, fleet: fleet, steps: steps)
        guard let checkpoint = workload.spec.checkpoint else {
            return ExecutionResult(state: .failed, steps: move.steps, message: "\(workload.name) declares no checkpoint protocol; it cannot be moved with its state")
        }
        let source = move.source
        let prepared: (limits: ResourceLimits, cgroup: String)
        switch move.prepareTarget(target) {
        case let .success(value): prepared = value
        case let .failure(refusal): return refusal.result
        }
        let (limits, targetCgroup) = prepared
        guard let process = workload.process else { return move.fail("\(workload.name) has no process") }

        // 2–3: signal, wait for the checkpoint.
        let sourceDirectory = fleet.checkpointDirectory(workload: workload.name, pop: source)
        let signalledAt = Date().timeIntervalSince1970
        let signalledMonotonic = MonotonicClock.seconds()
        move.step("signalled", "signal \(checkpoint.signal) to pid \(process.pid)")
        process.signal(checkpoint.signal)
        let exit = fleet.wait(for: process, timeoutSeconds: checkpoint.timeoutSeconds)
        guard let exit else {
            try? fleet.runtime.destroy(cgroup: targetCgroup)
            return move.fail("no checkpoint within \(checkpoint.timeoutSeconds) s; \(workload.name) keeps running at \(source)")
        }
        guard exit == .exited(85), Self.newestFile(in: sourceDirectory).map({ $0 >= signalledAt - 1 }) == true else {
            try? fleet.runtime.destroy(cgroup: targetCgroup)
            if exit == .exited(0) {
                fleet.setFinished(workload)
                return move.fail("\(workload.name) finished before it checkpointed; nothing to move")
            }
            return move.restartAtSource("\(workload.name) \(exit) without a fresh checkpoint in \(sourceDirectory)")
        }
        fleet.setCheckpoint(workload, at: Int64(Date().timeIntervalSince1970))
        move.step("checkpointed", sourceDirectory)

        // 4: copy.
        let targetDirectory = fleet.checkpointDirectory(workload: workload.name, pop: target.pop)
        let movedBytes: Int64
        do { movedBytes = try Self.copyAtomically(from: sourceDirectory, to: targetDirectory) } catch {
            try? fleet.runtime.destroy(cgroup: targetCgroup)
            return move.restartAtSource("copying the checkpoint to \(targetDirectory) failed: \(error)")
        }
        move.step("copied", "\(movedBytes) bytes to \(targetDirectory)")

        // 5: start at the target.
        let started: LaunchedProcess
        do { started = try fleet.launch(workload, pop: target.pop, cgroup: targetCgroup, resume: true) } catch {
            try? fleet.runtime.destroy(cgroup: targetCgroup)
            return move.restartAtSource("starting at \(target.pop) failed: \(error)")
        }
        let downtime = (MonotonicClock.seconds() - signalledMonotonic) * 1000
        move.finishMove(to: target.pop, cgroup: targetCgroup, limits: limits, process: started, downtimeMs: downtime)
        move.step("started_at_target", "pid \(started.pid) in \(targetCgroup)")
        return ExecutionResult(state: .done, steps: move.steps, message: "moved \(workload.name) from \(source) to \(target.pop) in \(Int(downtime)) ms",
                               movedBytes: Double(movedBytes), downtimeMs: downtime)
    }

    /// The newest modification time (Unix seconds) of a regular file in `directory`.
    static func newestFile(in directory: String) -> Double? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name -> Double? in
            var info = stat()
            guard stat("\(directory)/\(name)", &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
            return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) * 1e-9
        }.max()
    }

    /// Copies `source` (a directory) to `destination`: into `destination.tmp-<pid>` first,
    /// `fsync`ed, then renamed over it (an old copy is moved aside and removed after), so the
    /// destination is always a whole checkpoint. Returns the bytes copied.
    static func copyAtomically(from source: String, to destination: String) throws -> Int64 {
        let manager = FileManager.default
        let parent = (destination as NSString).deletingLastPathComponent
        try manager.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let temporary = "\(destination).tmp-\(getpid())"
        try? manager.removeItem(atPath: temporary)
        try manager.copyItem(atPath: source, toPath: temporary)
        var bytes: Int64 = 0
        for name in try manager.contentsOfDirectory(atPath: temporary) {
            let path = "\(temporary)/\(name)"
            let fd = open(path, O_RDONLY)
            if fd >= 0 {
                var info = stat()
                if fstat(fd, &info) == 0 { bytes += Int64(info.st_size) }
                fsync(fd)
                close(fd)
            }
        }
        let old = "\(destination).old-\(getpid())"
        if manager.fileExists(atPath: destination) { try manager.moveItem(atPath: destination, toPath: old) }
        guard rename(temporary, destination) == 0 else { throw CocoaError(.fileWriteUnknown) }
        try? manager.removeItem(atPath: old)
        let fd = open(parent, O_RDONLY)
        if fd >= 0 { fsync(fd); close(fd) }
        return bytes
    }
}
