@testable import Agent
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `VMMigrationExecutor`'s failure paths without root or a guest: the VM's `qemu` is a
/// stand-in (python3, named by path in `[workloads.vm] qemu`, never on PATH) that speaks just
/// enough QMP, over the real `QMPClient`, for the executor to start a migration, see it fail
/// and cancel it; the cgroups are `RecordingRuntime`'s. QEMU's own migrations, successes and
/// failures, are `VMRuntimeLiveTests`' and `LiveScenarioVMTests`'.
@Suite("VM live migration's decisions on a recording runtime and a QMP stand-in (no root)", .serialized)
struct VMMigrationDecisionTests {
    /// The stand-in: serves QMP on the `-qmp unix:PATH,…` socket, appends `source NAME` or
    /// `target NAME` (by `-incoming`) for every command to `$QEMU_DOUBLE_CALLS`; `migrate`
    /// makes the next `query-migrate` say `failed`. `QEMU_DOUBLE=target-exits`: a target
    /// exits before it opens its socket.
    static let standIn = """
        #!/usr/bin/python3
        # Test double for qemu-system-x86_64 (see VMMigrationDecisionTests).
        import json, os, socket, sys
        args = sys.argv[1:]
        incoming = "-incoming" in args
        if incoming and os.environ.get("QEMU_DOUBLE") == "target-exits":
            sys.exit(1)
        path = args[args.index("-qmp") + 1].split(",")[0][len("unix:"):]
        role = "target" if incoming else "source"
        migration = {}
        server = socket.socket(socket.AF_UNIX)
        server.bind(path)
        server.listen(4)
        while True:
            connection, _ = server.accept()
            stream = connection.makefile("rwb")
            def send(value):
                stream.write((json.dumps(value) + "\\n").encode())
                stream.flush()
            send({"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 0}}, "capabilities": []}})
            for line in stream:
                request = json.loads(line)
                name = request.get("execute")
                with open(os.environ["QEMU_DOUBLE_CALLS"], "a") as calls:
                    calls.write(role + " " + name + "\\n")
                answer = {}
                if name == "query-migrate":
                    answer = migration
                elif name == "query-status":
                    answer = {"status": "running", "running": True}
                elif name == "migrate":
                    migration = {"status": "failed", "error-desc": "stand-in: the stream broke"}
                elif name == "migrate_cancel":
                    migration = {"status": "cancelled"}
                send({"return": answer, "id": request.get("id")})
        """

    static func setUp(mode: String = "migration-fails") throws -> (fleet: LocalFleet, runtime: RecordingRuntime, scratch: String, calls: String) {
        let scratch = try LiveRuntime.scratch()
        let qemu = "\(scratch)/qemu-stand-in"
        try RecordingRuntime.writeScript(standIn, to: qemu)
        let calls = "\(scratch)/qmp-calls"
        let spec = WorkloadSpec(name: "w", pop: "a", argv: [], environment: ["QEMU_DOUBLE": mode, "QEMU_DOUBLE_CALLS": calls],
                                limits: ResourceLimits(cpuCores: 1, memoryBytes: 256 << 20),
                                vm: VMSpec(qemu: qemu, kernel: "/nonexistent/vmlinux", memoryMiB: 128, accelerator: .tcg))
        let config = AgentConfig(scorerURL: "http://127.0.0.1:1", tokenFile: "/dev/null",
                                 pops: [LocalPOPSpec(name: "a", capacity: ResourceLimits(cpuCores: 2, memoryBytes: 1 << 30)),
                                        LocalPOPSpec(name: "b", capacity: ResourceLimits(cpuCores: 2, memoryBytes: 1 << 30))],
                                 stateDirectory: "\(scratch)/s", workloads: [spec])
        let runtime = RecordingRuntime()
        let fleet = LocalFleet(config: config, runtime: runtime)
        try fleet.setUp()
        try fleet.startDeclared()
        return (fleet, runtime, scratch, calls)
    }

    static let move = AgentCommand(id: 40, workload: "w", action: .migrate, strategy: "live", sourcePop: "a",
                                   targets: [.init(pop: "b", allocation: ResourceLimits(cpuCores: 1, memoryBytes: 256 << 20))])

    static func lines(_ path: String) -> [String] {
        (FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? "").split(separator: "\n").map(String.init)
    }

    @Test("a migration QEMU reports failed is cancelled at the source, the target dropped, and the VM stays at the source")
    func failedMigrationIsCancelled() throws {
        let (fleet, runtime, scratch, calls) = try Self.setUp()
        defer { fleet.tearDown(); try? FileManager.default.removeItem(atPath: scratch) }
        let workload = try #require(fleet.workloads["w"])
        let source = try #require(workload.process)
        let before = runtime.calls.count
        let result = CommandDispatcher(criu: CRIUSupport(available: false, reason: "test")).execute(Self.move, fleet: fleet)
        #expect(result.state == .failed, "\(result.message)")
        #expect(result.message.contains("migration failed: stand-in: the stream broke") && result.message.contains("keeps running at a"), "\(result.message)")
        #expect(result.steps == ["target_started", "incoming_ready", "migrating", "cancelled"])
        let targetCgroup = runtime.workloadCgroup(pop: "b", workload: "w")
        let made = runtime.calls(since: before)
        #expect(made.first == .create(targetCgroup, ResourceLimits(cpuCores: 1, memoryBytes: 256 << 20)) && made.last == .destroy(targetCgroup), "\(made)")
        if made.count == 3, case let .launch(cgroup, argv) = made[1] {
            #expect(cgroup == targetCgroup && argv.suffix(2) == ["-incoming", "defer"])
        } else {
            Issue.record("expected create, launch, destroy at the target: \(made)")
        }
        let qmp = Self.lines(calls)
        #expect(qmp.contains("target migrate-incoming") && qmp.contains("source migrate") && qmp.contains("source migrate_cancel"), "\(qmp)")
        #expect(!qmp.contains("source quit"), "the source must not be stopped")
        #expect(workload.pop == "a" && workload.migrations == 0 && workload.process === source && source.isRunning)
        #expect(fleet.journal.steps(command: 40) == result.steps)
    }

    @Test("a target that exits before its QMP socket answers: nothing is asked of the source, the VM stays where it is")
    func targetThatCannotStart() throws {
        let (fleet, runtime, scratch, calls) = try Self.setUp(mode: "target-exits")
        defer { fleet.tearDown(); try? FileManager.default.removeItem(atPath: scratch) }
        let workload = try #require(fleet.workloads["w"])
        let result = CommandDispatcher(criu: CRIUSupport(available: false, reason: "test")).execute(Self.move, fleet: fleet)
        #expect(result.state == .failed && result.message.contains("target cannot start") && result.message.contains("keeps running at a"), "\(result.message)")
        #expect(result.steps == ["target_started", "cancelled"])
        #expect(!runtime.exists(runtime.workloadCgroup(pop: "b", workload: "w")))
        #expect(!Self.lines(calls).contains { $0.hasPrefix("source migrate") })
        #expect(workload.pop == "a" && workload.process?.isRunning == true)
    }
}
