import Foundation
import HeadroomTestSupport
import Testing

/// Issue 4's end-to-end scenario as a test, with real processes: `scripts/live-scenario.sh`
/// (two local POPs as real cgroups, the scorer serving a model trained on the bundled data,
/// the agent, and the memory-growing example workload in the POP whose 160 MiB it outgrows
/// in about a minute), run on this build's executables. About two minutes per policy, plus a
/// smoke training the first time. Needs root (the agent creates cgroups): skipped otherwise.
@Suite("Live scenario: two POPs, the scorer, the agent, a workload outgrowing its POP", .serialized)
struct LiveScenarioTests {
    /// Everything for both runs in one directory (the trained model is shared).
    static let work = TestProcess.temporaryDirectory(prefix: "headroom-live-test")

    struct Outcome: Decodable {
        var policy: String
        var oom_kills: Int?
        var migrations: Int?
        var downtime_ms: Double
        var output_identical: Bool
    }

    static func run(policy: String, port: Int) throws -> Outcome {
        let bin = URL(fileURLWithPath: try TestProcess.executable("headroom-agent")).deletingLastPathComponent().path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [TestProcess.repositoryRoot.appendingPathComponent("scripts/live-scenario.sh").path, "--policy", policy]
        var environment = ProcessInfo.processInfo.environment
        environment["HEADROOM_LIVE_BIN"] = bin
        environment["HEADROOM_LIVE_DIR"] = work.path
        environment["HEADROOM_LIVE_PORT"] = String(port)
        environment["HEADROOM_LIVE_TIMEOUT"] = "420"
        process.environment = environment
        process.currentDirectoryURL = TestProcess.repositoryRoot
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice  // the logs stay in `work`
        try process.run()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        try #require(process.terminationStatus == 0, "live-scenario.sh --policy \(policy) exited \(process.terminationStatus); logs in \(work.path)")
        let line = try #require(text.split(separator: "\n").last, "no JSON line from live-scenario.sh; logs in \(work.path)")
        return try JSONDecoder().decode(Outcome.self, from: Data(line.utf8))
    }

    @Test("predictive: moved before the OOM killer fires, output byte-identical; reactive recorded beside it",
          .enabled(if: getuid() == 0, "the agent creates cgroups: root only"),
          .timeLimit(.minutes(15)))
    func predictiveBeforeOOM() throws {
        let predictive = try Self.run(policy: "predictive", port: 18917)
        print("live scenario: predictive \(predictive)")
        #expect(predictive.policy == "predictive")
        #expect(predictive.oom_kills == 0, "the workload was OOM-killed under the predictive policy; logs in \(Self.work.path)")
        #expect((predictive.migrations ?? 0) >= 1, "never migrated; logs in \(Self.work.path)")
        #expect(predictive.output_identical, "output differs from the uninterrupted run; logs in \(Self.work.path)")
        #expect(predictive.downtime_ms > 0 && predictive.downtime_ms < 60_000)

        // The reactive policy on the same scenario: recorded for comparison (it acts only once
        // the limit is crossed, so what it achieves is reported, not required).
        let reactive = try Self.run(policy: "reactive", port: 18918)
        print("live scenario: reactive \(reactive)")
        #expect(reactive.policy == "reactive")
        #expect(reactive.oom_kills != nil && reactive.migrations != nil, "the reactive run left no status; logs in \(Self.work.path)")
        try? FileManager.default.removeItem(at: Self.work)
    }
}
