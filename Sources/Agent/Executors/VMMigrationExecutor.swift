import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Live migration of a VM workload through QMP (QEMU's pre-copy migration):
///
/// 1. the target workload cgroup is created (`MoveContext.prepareTarget`: room there), the
///    source's QMP socket answers;
/// 2. a second QEMU with the same devices and `-incoming defer` starts in the target cgroup
///    (`target_started`), its QMP socket answers and `migrate-incoming` listens on
///    `STATE/vms/<target>/<workload>.migrate` (`incoming_ready`);
/// 3. the source gets `migrate-set-parameters` (`downtime-limit`, `max-bandwidth` = the
///    fleet's link from source to target) and `migrate` (`migrating`); `query-migrate` is
///    polled every `pollIntervalSeconds`, its transferred / remaining bytes and dirty rate
///    go to the log and, every `progressIntervalSeconds`, to the scorer (`LocalFleet.progress`);
/// 4. on `completed`, the target must report `running` (`running_at_target`), then the source
///    gets `quit` and is reaped (`source_exited`); the workload is at the target, the source
///    cgroup is removed. Downtime and bytes are QEMU's (`downtime`, `ram.transferred`).
///
/// Any failure — the target does not start or its QMP socket does not answer, the migration
/// fails or the connection is lost (either QEMU exits), or it has not converged within
/// `timeoutSeconds(memoryBytes:bandwidth:)` — cancels it: `migrate_cancel` at the source
/// (`cont` if the source was left paused), the target killed and its cgroup removed
/// (`cancelled`); the VM keeps running at the source. Every step is journaled; a command
/// whose result is journaled is not executed again (`CommandDispatcher`), so a re-delivered
/// command never migrates twice.
public struct VMMigrationExecutor: Sendable {
    /// The longest pause of the guest QEMU may plan for the final stop-and-copy (ms).
    public var downtimeLimitMilliseconds: Int
    /// Used when the fleet declares no link between the two POPs: 125 MB/s (1 Gbit/s), about
    /// QEMU 7.2's own default (128 MiB/s); with a link, its bandwidth is the cap.
    public var defaultBandwidthBytesPerSecond: Double
    /// How long the target QEMU has to open its QMP socket.
    public var targetStartSeconds: Double
    /// The convergence timeout is `timeoutFactor × memory ÷ bandwidth`, at least
    /// `minimumTimeoutSeconds`: one full copy takes memory ÷ bandwidth; a workload that
    /// dirties memory needs a few more rounds, one that needs more than `timeoutFactor`
    /// copies' worth of time is not converging.
    public var timeoutFactor: Double
    public var minimumTimeoutSeconds: Double
    public var pollIntervalSeconds: Double
    public var progressIntervalSeconds: Double

    public init(downtimeLimitMilliseconds: Int = 300, defaultBandwidthBytesPerSecond: Double = 125_000_000, targetStartSeconds: Double = 20,
                timeoutFactor: Double = 4, minimumTimeoutSeconds: Double = 20, pollIntervalSeconds: Double = 0.1, progressIntervalSeconds: Double = 1) {
        self.downtimeLimitMilliseconds = downtimeLimitMilliseconds
        self.defaultBandwidthBytesPerSecond = defaultBandwidthBytesPerSecond
        self.targetStartSeconds = targetStartSeconds
        self.timeoutFactor = timeoutFactor
        self.minimumTimeoutSeconds = minimumTimeoutSeconds
        self.pollIntervalSeconds = pollIntervalSeconds
        self.progressIntervalSeconds = progressIntervalSeconds
    }

    /// Seconds a migration of `memoryBytes` at `bandwidth` bytes/s may take before it is
    /// cancelled as not converging.
    public func timeoutSeconds(memoryBytes: Int64, bandwidth: Double) -> Double {
        max(minimumTimeoutSeconds, timeoutFactor * Double(memoryBytes) / max(bandwidth, 1))
    }

    public func execute(_ command: AgentCommand, workload: ManagedWorkload, target: AgentCommand.Target, fleet: LocalFleet,
                        note: String? = nil) -> ExecutionResult {
        let context = MoveContext(command: command, workload: workload, fleet: fleet, steps: note.map { [$0] } ?? [])
        guard let vm = workload.spec.vm, let sourceProcess = workload.process else {
            return context.fail("\(workload.name) is not a running VM")
        }
        let prepared: (limits: ResourceLimits, cgroup: String)
        switch context.prepareTarget(target) {
        case let .success(value): prepared = value
        case let .failure(refusal): return refusal.result
        }
        let source = context.source
        let bandwidth = fleet.config.bandwidthBytesPerSecond(from: source, to: target.pop) ?? defaultBandwidthBytesPerSecond
        let timeout = timeoutSeconds(memoryBytes: vm.memoryBytes, bandwidth: bandwidth)

        func dropTarget(_ process: LaunchedProcess?) {
            if let process, process.isRunning {
                process.signal(SIGKILL)
                _ = process.wait(timeoutSeconds: 5)
            }
            try? fleet.runtime.destroy(cgroup: prepared.cgroup)
            fleet.removeVMSockets(workload: workload.name, pop: target.pop)
        }

        // The source must answer before anything is started.
        let sourceQMP: QMPClient
        do {
            sourceQMP = try QMPClient.connect(path: fleet.qmpSocketPath(workload: workload.name, pop: source), timeoutSeconds: 5,
                                              alive: { sourceProcess.isRunning })
        } catch {
            dropTarget(nil)
            return context.fail("the source QEMU's QMP socket does not answer: \(error); \(workload.name) keeps running at \(source)")
        }
        defer { sourceQMP.close() }

        // The target: the same machine, waiting for the stream.
        let targetProcess: LaunchedProcess
        do { targetProcess = try fleet.launchVM(workload, pop: target.pop, cgroup: prepared.cgroup, incoming: true) } catch {
            dropTarget(nil)
            return context.fail("target cannot start: \(error); \(workload.name) keeps running at \(source)")
        }
        context.step("target_started", "QEMU pid \(targetProcess.pid) with -incoming defer in \(prepared.cgroup)")
        let targetQMP: QMPClient
        let migrationSocket = fleet.migrationSocketPath(workload: workload.name, pop: target.pop)
        do {
            targetQMP = try QMPClient.connect(path: fleet.qmpSocketPath(workload: workload.name, pop: target.pop), timeoutSeconds: targetStartSeconds,
                                              alive: { targetProcess.isRunning })
            try targetQMP.execute("migrate-incoming", arguments: ["uri": "unix:\(migrationSocket)"])
        } catch {
            let exit = targetProcess.poll().map { " (QEMU \($0))" } ?? ""
            dropTarget(targetProcess)
            context.step("cancelled", "target cannot start: \(error)\(exit)")
            return context.fail("target cannot start: \(error)\(exit), log \(fleet.logPath(workload: workload.name)); \(workload.name) keeps running at \(source)")
        }
        defer { targetQMP.close() }
        context.step("incoming_ready", "unix:\(migrationSocket)")

        /// Cancels at the source, kills the target; the VM keeps running at the source.
        func cancel(_ reason: String) -> ExecutionResult {
            _ = try? sourceQMP.execute("migrate_cancel", timeoutSeconds: 5)
            let deadline = MonotonicClock.seconds() + 10
            while MonotonicClock.seconds() < deadline, sourceProcess.isRunning,
                  let status = (try? sourceQMP.migration(timeoutSeconds: 2))?.status, ["setup", "active", "device", "cancelling", "pre-switchover"].contains(status) {
                usleep(50_000)
            }
            if sourceProcess.isRunning, let status = try? sourceQMP.status(timeoutSeconds: 2), !status.running {
                _ = try? sourceQMP.execute("cont", timeoutSeconds: 5)
            }
            dropTarget(targetProcess)
            context.step("cancelled", reason)
            if !sourceProcess.isRunning { return context.restartAtSource("\(reason); the source QEMU exited too") }
            return context.fail("\(reason); migration cancelled, \(workload.name) keeps running at \(source)")
        }

        do {
            try sourceQMP.execute("migrate-set-parameters", arguments: ["downtime-limit": downtimeLimitMilliseconds, "max-bandwidth": Int64(bandwidth)])
            try sourceQMP.execute("migrate", arguments: ["uri": "unix:\(migrationSocket)"])
        } catch {
            return cancel("migrate failed to start: \(error)")
        }
        context.step("migrating", "pre-copy, downtime limit \(downtimeLimitMilliseconds) ms, max bandwidth \(Int64(bandwidth)) B/s, timeout \(String(format: "%.0f", timeout)) s")

        // Pre-copy rounds until QEMU completes, fails, or the timeout.
        let started = MonotonicClock.seconds()
        var lastProgress = -Double.infinity  // the first counters go out at once
        var lastIdle = started
        var info: MigrationInfo
        while true {
            usleep(UInt32(pollIntervalSeconds * 1e6))
            if MonotonicClock.seconds() - lastIdle >= 0.1 {
                fleet.idle()
                lastIdle = MonotonicClock.seconds()
            }
            do { info = try sourceQMP.migration(timeoutSeconds: 5) } catch {
                return cancel("connection to the source QEMU lost: \(error)")
            }
            let status = info.status ?? "none"
            if status == "completed" { break }
            if ["failed", "cancelled"].contains(status) {
                return cancel("migration \(status)\(info.errorDescription.map { ": \($0)" } ?? "")")
            }
            if !targetProcess.isRunning {
                return cancel("connection lost: the target QEMU \(targetProcess.poll().map { "\($0)" } ?? "exited")")
            }
            let now = MonotonicClock.seconds()
            if now - lastProgress >= progressIntervalSeconds, let ram = info.ram {
                lastProgress = now
                let message = "pre-copy: \(ram.transferredBytes) bytes transferred, \(ram.remainingBytes) remaining, dirty rate \(Int64(ram.dirtyBytesPerSecond)) B/s, round \(ram.dirtySyncCount ?? 0)"
                context.logger.info("\(message)")
                fleet.progress(command, ExecutionResult(state: .running, steps: context.steps, message: message, movedBytes: Double(ram.transferredBytes),
                                                        progress: MigrationProgress(ram)))
            }
            if now - started > timeout {
                let ram = info.ram
                return cancel("not converged in \(String(format: "%.0f", timeout)) s (\(timeoutFactor) × \(vm.memoryBytes) bytes ÷ \(Int64(bandwidth)) B/s; remaining \(ram?.remainingBytes ?? -1) bytes, dirty rate \(Int64(ram?.dirtyBytesPerSecond ?? 0)) B/s)")
            }
        }

        // Completed: the target must run before the source goes.
        let deadline = MonotonicClock.seconds() + 10
        var running = false
        while MonotonicClock.seconds() < deadline, targetProcess.isRunning {
            if let status = try? targetQMP.status(timeoutSeconds: 2), status.running { running = true; break }
            usleep(20_000)
        }
        guard running else { return cancel("the migration completed but the target is not running") }
        let downtime = Double(info.downtimeMilliseconds ?? 0)
        let transferred = Double(info.ram?.transferredBytes ?? 0)
        context.step("running_at_target", "downtime \(info.downtimeMilliseconds ?? -1) ms, total \(info.totalTimeMilliseconds ?? -1) ms, \(Int64(transferred)) bytes transferred, dirty rate \(Int64(info.ram?.dirtyBytesPerSecond ?? 0)) B/s")
        _ = try? sourceQMP.execute("quit", timeoutSeconds: 5)
        if sourceProcess.wait(timeoutSeconds: 10) == nil {
            sourceProcess.signal(SIGKILL)
            _ = sourceProcess.wait(timeoutSeconds: 5)
        }
        fleet.removeVMSockets(workload: workload.name, pop: source)
        context.step("source_exited")
        context.finishMove(to: target.pop, cgroup: prepared.cgroup, limits: prepared.limits, process: targetProcess, downtimeMs: downtime)
        fleet.recordMove(workload, strategy: "live", movedBytes: transferred)
        return ExecutionResult(state: .done, steps: context.steps,
                               message: "live-migrated \(workload.name) \(source) → \(target.pop) with QEMU: downtime \(Int64(downtime)) ms, total \(info.totalTimeMilliseconds ?? 0) ms, \(Int64(transferred)) bytes",
                               movedBytes: transferred, downtimeMs: downtime, progress: info.ram.map(MigrationProgress.init))
    }
}

/// QEMU's `query-migrate` RAM counters as the report to the scorer carries them.
extension MigrationProgress {
    public init(_ ram: MigrationInfo.RAM) {
        self.init(transferredBytes: Double(ram.transferredBytes), remainingBytes: Double(ram.remainingBytes), totalBytes: Double(ram.totalBytes),
                  dirtyBytesPerSecond: ram.dirtyBytesPerSecond, rounds: Int(ram.dirtySyncCount ?? 0))
    }
}
