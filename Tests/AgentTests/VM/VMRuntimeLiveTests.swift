@testable import Agent
import Foundation
import Resources
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The VM runtime with real cgroups and a real QEMU (root, cgroup v1, qemu-system-x86):
/// a VM workload started in its POP's cgroup, sampled, live-migrated between two local POPs
/// through QMP, and the cancellations.
@Suite("VM runtime, live: QEMU in POP cgroups, live migration through QMP", .serialized,
       .enabled(if: VMTestSupport.liveAvailable, "needs root, cgroup v1, headroom-launch, qemu-system-x86 and busybox-static"))
struct VMRuntimeLiveTests {
    static func fleet(scratch: String, spec: VMSpec, bandwidth: Double = 1_000_000_000) throws -> LocalFleet {
        let workload = WorkloadSpec(name: "vm", pop: "a", argv: [], limits: ResourceLimits(cpuCores: 1, memoryBytes: 384 << 20), vm: spec)
        let config = AgentConfig(scorerURL: "http://127.0.0.1:1", tokenFile: "/dev/null",
                                 pops: [LocalPOPSpec(name: "a", capacity: ResourceLimits(cpuCores: 2, memoryBytes: 512 << 20)),
                                        LocalPOPSpec(name: "b", capacity: ResourceLimits(cpuCores: 2, memoryBytes: 512 << 20))],
                                 stateDirectory: "\(scratch)/state", cgroupPrefix: LiveRuntime.uniquePrefix(), workloads: [workload],
                                 links: [LocalLinkSpec(from: "a", to: "b", bandwidthBytesPerSecond: bandwidth)])
        let fleet = LocalFleet(config: config, runtime: try LiveRuntime.runtime(prefix: config.cgroupPrefix))
        try fleet.setUp()
        try fleet.startDeclared()
        return fleet
    }

    static func move(_ id: Int64, from: String = "a", to: String = "b") -> AgentCommand {
        AgentCommand(id: id, workload: "vm", action: .migrate, strategy: "live", sourcePop: from,
                     targets: [.init(pop: to, allocation: ResourceLimits(cpuCores: 1, memoryBytes: 384 << 20))])
    }

    /// Polls the fleet until the VM is no longer running (or `timeoutSeconds`).
    static func waitUntilDone(_ fleet: LocalFleet, timeoutSeconds: Double = 120) {
        let deadline = MonotonicClock.seconds() + timeoutSeconds
        while fleet.workloads["vm"]?.state == .running, MonotonicClock.seconds() < deadline {
            fleet.poll()
            usleep(50_000)
        }
    }

    /// An uninterrupted run's serial output (the reference), QEMU started directly.
    static func referenceRun(spec: VMSpec, scratch: String) throws -> LaunchedProcess {
        let line = QEMUCommandLine(spec: spec, name: "ref", accelerator: QEMUAccelerator.resolve(spec.accelerator).accelerator,
                                   qmpSocket: "\(scratch)/ref.qmp", outputPath: "\(scratch)/ref.serial", consolePath: "\(scratch)/ref.console")
        return try ProcessSpawner.spawn(line.argv, environment: ProcessInfo.processInfo.environment, logPath: "\(scratch)/ref.log")
    }

    @Test("a VM boots in its POP's cgroup (QEMU's pid there), is sampled there, and its exit is noticed and cleaned up")
    func bootSampleExit() throws {
        let scratch = try LiveRuntime.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let fleet = try Self.fleet(scratch: scratch, spec: try VMTestSupport.spec(beats: 20, growKiB: 512))
        defer { fleet.tearDown() }
        let workload = try #require(fleet.workloads["vm"])
        let pid = try #require(workload.process?.pid)
        let qmp = try QMPClient.connect(path: fleet.qmpSocketPath(workload: "vm", pop: "a"), timeoutSeconds: 20)
        #expect(try qmp.status().running)
        qmp.close()
        // headroom-launch joined the cgroup and exec'd QEMU: the same pid, QEMU, in the cgroup.
        #expect(fleet.runtime.processes(cgroup: workload.cgroup).contains(pid))
        #expect(String(decoding: FileManager.default.contents(atPath: "/proc/\(pid)/comm") ?? Data(), as: UTF8.self).hasPrefix("qemu-system"))

        #expect(VMTestSupport.waitForLines(fleet.serialOutputPath(workload.spec), 2, timeoutSeconds: 90))
        var sampler = Sampler(source: CgroupSource(path: workload.cgroup, reader: fleet.runtime.reader))
        _ = try sampler.sample(atMonotonicSeconds: MonotonicClock.seconds())
        usleep(1_000_000)
        let vector = try #require(try sampler.sample(atMonotonicSeconds: MonotonicClock.seconds()))
        #expect(vector[.memoryBytes] > 32e6, "QEMU's resident guest memory is charged to the workload cgroup")
        #expect(vector[.cpuCores] > 0.01)

        Self.waitUntilDone(fleet)
        #expect(workload.state == .finished, "the guest powered off: QEMU exited 0")
        let output = String(decoding: FileManager.default.contents(atPath: fleet.serialOutputPath(workload.spec)) ?? Data(), as: UTF8.self)
        #expect(output.hasSuffix("hb 20 ws_kib=10240\ndone beats=20\n"))
        #expect(!FileManager.default.fileExists(atPath: fleet.qmpSocketPath(workload: "vm", pop: "a")))
    }

    @Test("live migration a → b: QEMU at the target runs in b's cgroup, the source exited; output identical to an uninterrupted run; no heartbeat gap over 1 s; re-delivery is a no-op")
    func liveMigration() throws {
        let scratch = try LiveRuntime.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let spec = try VMTestSupport.spec(beats: 80, growKiB: 256, dirtyKiB: 256)
        let reference = try Self.referenceRun(spec: spec, scratch: scratch)
        defer { reference.signal(SIGKILL); _ = reference.wait(timeoutSeconds: 5) }
        // A 64 MB/s link: the copy takes about a second, long enough to see its progress.
        let fleet = try Self.fleet(scratch: scratch, spec: spec, bandwidth: 64_000_000)
        defer { fleet.tearDown() }
        let workload = try #require(fleet.workloads["vm"])
        let sourcePid = try #require(workload.process?.pid)
        let serial = fleet.serialOutputPath(workload.spec)
        let watcher = SerialWatcher(path: serial)
        watcher.start()
        defer { watcher.stop() }
        #expect(VMTestSupport.waitForLines(serial, 15, timeoutSeconds: 120), "the guest booted and beats")

        var progress: [ExecutionResult] = []
        fleet.progress = { _, result in progress.append(result) }
        let dispatcher = CommandDispatcher(criu: CRIUSupport(available: false, reason: "test"))
        let result = dispatcher.execute(Self.move(1), fleet: fleet)
        #expect(result.state == .done, "\(result.message)")
        #expect(result.steps == ["target_started", "incoming_ready", "migrating", "running_at_target", "source_exited"])
        #expect(workload.pop == "b" && workload.migrations == 1)
        let targetPid = try #require(workload.process?.pid)
        #expect(targetPid != sourcePid)
        #expect(fleet.runtime.processes(cgroup: workload.cgroup).contains(targetPid))
        #expect(workload.cgroup.hasSuffix("/b/vm"))
        #expect(kill(sourcePid, 0) != 0, "the source QEMU has exited")
        let downtime = try #require(result.downtimeMs)
        let moved = try #require(result.movedBytes)
        print("VM live migration (128 MiB guest, TCG/KVM as resolved): downtime \(downtime) ms, \(Int(moved)) bytes; \(result.message)")
        #expect(downtime <= 300, "QEMU-reported downtime")
        #expect(moved > 1e6)
        let first = try #require(progress.first?.progress, "progress went to the scorer while it ran")
        #expect(progress.first?.state == .running && first.totalBytes >= Double(128 << 20))
        // Re-delivered: the journaled result, nothing migrates again.
        #expect(dispatcher.execute(Self.move(1), fleet: fleet) == result)
        #expect(workload.migrations == 1)

        Self.waitUntilDone(fleet)
        watcher.stop()
        #expect(workload.state == .finished)
        #expect(reference.wait(timeoutSeconds: 120) == .exited(0))
        let expected = try #require(FileManager.default.contents(atPath: "\(scratch)/ref.serial"))
        let actual = try #require(FileManager.default.contents(atPath: serial))
        #expect(actual == expected, "the guest's output (source, then target) equals an uninterrupted run's")
        #expect(String(decoding: actual, as: UTF8.self).hasSuffix("done beats=80\n"))
        print("VM live migration: longest heartbeat gap \(watcher.longestGap) s over \(watcher.arrivals.count) lines; \(progress.count) progress reports")
        #expect(watcher.longestGap <= 1.0, "the guest's heartbeat never stopped for more than 1 s")
    }

    @Test("a target that cannot start cancels the move: the VM keeps running at the source, nothing left at the target")
    func targetCannotStart() throws {
        let scratch = try LiveRuntime.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let fleet = try Self.fleet(scratch: scratch, spec: try VMTestSupport.spec(beats: 0))
        defer { fleet.tearDown() }
        let workload = try #require(fleet.workloads["vm"])
        let pid = try #require(workload.process?.pid)
        // A directory where the target's QMP socket goes: QEMU at the target cannot bind it and exits.
        try FileManager.default.createDirectory(atPath: fleet.qmpSocketPath(workload: "vm", pop: "b"), withIntermediateDirectories: true)
        let result = CommandDispatcher(criu: CRIUSupport(available: false, reason: "test")).execute(Self.move(2), fleet: fleet)
        #expect(result.state == .failed)
        #expect(result.message.contains("target cannot start") && result.message.contains("keeps running at a"), "\(result.message)")
        #expect(result.steps == ["target_started", "cancelled"])
        #expect(workload.pop == "a" && workload.process?.pid == pid && workload.process?.isRunning == true)
        #expect(!CgroupFiles().exists("\(LiveRuntime.memoryMount)/\(fleet.runtime.workloadCgroup(pop: "b", workload: "vm"))"))
        let qmp = try QMPClient.connect(path: fleet.qmpSocketPath(workload: "vm", pop: "a"), timeoutSeconds: 20)
        #expect(try qmp.status().running)
    }

    @Test("a migration that cannot converge in time (1 MB/s link) is cancelled; the VM keeps running at the source")
    func notConverging() throws {
        let scratch = try LiveRuntime.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let fleet = try Self.fleet(scratch: scratch, spec: try VMTestSupport.spec(beats: 0, extra: "hr.start_mib=24"), bandwidth: 1_000_000)
        defer { fleet.tearDown() }
        let workload = try #require(fleet.workloads["vm"])
        let serial = fleet.serialOutputPath(workload.spec)
        #expect(VMTestSupport.waitForLines(serial, 2, timeoutSeconds: 120))
        var executor = VMMigrationExecutor()
        executor.minimumTimeoutSeconds = 3
        executor.timeoutFactor = 0.01
        let dispatcher = CommandDispatcher(criu: CRIUSupport(available: false, reason: "test"), vmMigration: executor)
        let result = dispatcher.execute(Self.move(3), fleet: fleet)
        #expect(result.state == .failed)
        #expect(result.message.contains("not converged in 3 s") && result.message.contains("keeps running at a"), "\(result.message)")
        #expect(result.steps.last == "cancelled")
        #expect(workload.pop == "a" && workload.process?.isRunning == true)
        let qmp = try QMPClient.connect(path: fleet.qmpSocketPath(workload: "vm", pop: "a"), timeoutSeconds: 20)
        #expect(try qmp.status().running)
        #expect(try qmp.migration().status == "cancelled")
        let before = FileManager.default.contents(atPath: serial)?.count ?? 0
        usleep(1_500_000)
        #expect((FileManager.default.contents(atPath: serial)?.count ?? 0) > before, "the guest still beats at the source")
    }
}
