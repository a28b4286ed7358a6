import Foundation
import HeadroomTestSupport
import Testing

/// Issue 13's VM scenario as a test: `scripts/live-scenario.sh --kind vm` (two local POPs as
/// real cgroups, the scorer serving a model trained on the bundled data, the agent, and a VM
/// — QEMU booting the guest of scripts/build-guest.sh — whose guest grows its working set
/// until QEMU outgrows live-a), on this build's executables. Needs root and
/// qemu-system-x86_64; skipped otherwise. A few minutes per policy.
@Suite("Live scenario, VM: QEMU outgrowing its POP, live-migrated through QMP", .serialized)
struct LiveScenarioVMTests {
    static let work = TestProcess.temporaryDirectory(prefix: "headroom-live-vm-test")

    struct Outcome: Decodable {
        var policy: String
        var kind: String
        var oom_kills: Int?
        var migrations: Int?
        var strategy: String?
        var downtime_ms: Double
        var transferred_bytes: Double
        var output_identical: Bool
        var max_heartbeat_gap_ms: Double?
    }

    static var qemuInstalled: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/qemu-system-x86_64") }
    }

    static func run(policy: String, port: Int) throws -> Outcome {
        let bin = URL(fileURLWithPath: try TestProcess.executable("headroom-agent")).deletingLastPathComponent().path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [TestProcess.repositoryRoot.appendingPathComponent("scripts/live-scenario.sh").path, "--kind", "vm", "--policy", policy]
        var environment = ProcessInfo.processInfo.environment
        environment["HEADROOM_LIVE_BIN"] = bin
        environment["HEADROOM_LIVE_DIR"] = work.path
        environment["HEADROOM_LIVE_PORT"] = String(port)
        environment["HEADROOM_LIVE_TIMEOUT"] = "480"
        environment["HEADROOM_LIVE_GUEST"] = TestProcess.repositoryRoot.appendingPathComponent(".build/guest").path
        process.environment = environment
        process.currentDirectoryURL = TestProcess.repositoryRoot
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice  // the logs stay in `work`
        try process.run()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        try #require(process.terminationStatus == 0, "live-scenario.sh --kind vm --policy \(policy) exited \(process.terminationStatus); logs in \(work.path)")
        let line = try #require(text.split(separator: "\n").last, "no JSON line from live-scenario.sh; logs in \(work.path)")
        return try JSONDecoder().decode(Outcome.self, from: Data(line.utf8))
    }

    @Test("predictive: live-migrated before QEMU is OOM-killed; serial output byte-identical, heartbeat gap ≤ 1 s, downtime ≤ 300 ms; reactive recorded beside it",
          .enabled(if: getuid() == 0 && qemuInstalled, "root and qemu-system-x86 (scripts/setup.sh) only"),
          .timeLimit(.minutes(20)))
    func predictiveLiveMigration() throws {
        let predictive = try Self.run(policy: "predictive", port: 18927)
        print("live scenario (vm): predictive \(predictive)")
        #expect(predictive.kind == "vm")
        #expect(predictive.oom_kills == 0, "QEMU was OOM-killed under the predictive policy; logs in \(Self.work.path)")
        #expect((predictive.migrations ?? 0) >= 1, "never migrated; logs in \(Self.work.path)")
        #expect(predictive.strategy == "live")
        #expect(predictive.output_identical, "the guest's output differs from the uninterrupted run; logs in \(Self.work.path)")
        #expect(predictive.downtime_ms <= 300, "QEMU-reported downtime")
        #expect(predictive.transferred_bytes > 1e6)
        #expect((predictive.max_heartbeat_gap_ms ?? .infinity) <= 1000, "the guest's heartbeat stopped for more than 1 s")

        let reactive = try Self.run(policy: "reactive", port: 18928)
        print("live scenario (vm): reactive \(reactive)")
        #expect(reactive.policy == "reactive" && reactive.kind == "vm")
        #expect(reactive.oom_kills != nil && reactive.migrations != nil, "the reactive run left no status; logs in \(Self.work.path)")
        try? FileManager.default.removeItem(at: Self.work)
    }
}
