@testable import Agent
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The QMP client against a real QEMU booting the project's guest (no cgroups; skipped
/// without qemu-system-x86 and busybox-static).
@Suite("QMP client, live (real QEMU)", .serialized, .enabled(if: VMTestSupport.available, "needs qemu-system-x86 and busybox-static (scripts/setup.sh)"))
struct QMPClientLiveTests {
    @Test("greeting and capabilities, query-status, stop/cont with their events, a failing command, query-migrate, quit")
    func session() throws {
        let scratch = try LiveRuntime.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let spec = try VMTestSupport.spec(beats: 0)
        let line = QEMUCommandLine(spec: spec, name: "q", accelerator: QEMUAccelerator.resolve(.auto).accelerator, qmpSocket: "\(scratch)/q.qmp",
                                   outputPath: "\(scratch)/out.serial", consolePath: "\(scratch)/console.log")
        let process = try ProcessSpawner.spawn(line.argv, environment: ProcessInfo.processInfo.environment, logPath: "\(scratch)/qemu.log")
        defer {
            process.signal(SIGKILL)
            _ = process.wait(timeoutSeconds: 5)
        }
        let qmp = try QMPClient.connect(path: "\(scratch)/q.qmp", timeoutSeconds: 20, alive: { process.isRunning })
        #expect(qmp.version.hasPrefix("7.") || qmp.version.hasPrefix("8.") || qmp.version.hasPrefix("9.") || qmp.version.hasPrefix("10."))
        #expect(try qmp.status() == VMRunStatus(status: "running", running: true))
        #expect(try qmp.migration().status == nil)  // no migration yet: an empty object

        // The guest's program writes to ttyS0, which QEMU appends to the output file.
        #expect(VMTestSupport.waitForLines("\(scratch)/out.serial", 3, timeoutSeconds: 90))
        let first = String(decoding: FileManager.default.contents(atPath: "\(scratch)/out.serial") ?? Data(), as: UTF8.self)
        #expect(first.hasPrefix("hb 1 ws_kib=0\nhb 2 ws_kib=0\n"))

        try qmp.execute("stop")
        #expect(try qmp.status().status == "paused")
        try qmp.execute("cont")
        #expect(try qmp.status().running)
        _ = try qmp.pollEvents(timeoutSeconds: 0.5)
        #expect(qmp.events.map(\.name).contains("STOP"))
        #expect(qmp.events.map(\.name).contains("RESUME"))

        // migrate-incoming on a VM not started with -incoming is refused, with QEMU's class and text.
        #expect {
            try qmp.execute("migrate-incoming", arguments: ["uri": "unix:\(scratch)/m.sock"])
        } throws: { error in
            guard case let .commandFailed(command, errorClass, _) = error as? QMPError else { return false }
            return command == "migrate-incoming" && errorClass == "GenericError"
        }

        try qmp.execute("quit")
        #expect(process.wait(timeoutSeconds: 10) == .exited(0))
        #expect(throws: QMPError.self) { try qmp.status(timeoutSeconds: 2) }
    }

    @Test("connecting to a QEMU that exits before its socket exists says so")
    func earlyExit() throws {
        let scratch = try LiveRuntime.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var spec = try VMTestSupport.spec(beats: 1)
        spec.kernel = "\(scratch)/no-such-kernel"
        let line = QEMUCommandLine(spec: spec, name: "q", accelerator: .tcg, qmpSocket: "\(scratch)/q.qmp", outputPath: "\(scratch)/out.serial",
                                   consolePath: "\(scratch)/console.log")
        let process = try ProcessSpawner.spawn(line.argv, environment: ProcessInfo.processInfo.environment, logPath: "\(scratch)/qemu.log")
        #expect(throws: QMPError.processExited(path: "\(scratch)/q.qmp")) {
            try QMPClient.connect(path: "\(scratch)/q.qmp", timeoutSeconds: 20, alive: { process.isRunning })
        }
        #expect(process.wait(timeoutSeconds: 5) != .exited(0))
    }
}
