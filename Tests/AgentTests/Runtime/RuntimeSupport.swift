import Agent
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Helpers for the tests that create real cgroups and processes (root on cgroup v1, as CI
/// and this machine run; skipped elsewhere).
enum LiveRuntime {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Whether real cgroup v1 POPs can be created here (root, memory and cpu mounted).
    static var available: Bool {
        guard geteuid() == 0, case let .v1(d)? = try? CgroupHierarchy.detect(), d.memory != nil, d.cpu != nil else { return false }
        return (try? binary("headroom-launch")) != nil
    }

    /// A built executable of this package (next to the test bundle, or under .build/debug).
    static func binary(_ name: String) throws -> String {
        var directory = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        let fallback = repositoryRoot.appendingPathComponent(".build/debug/\(name)").path
        guard FileManager.default.isExecutableFile(atPath: fallback) else { throw CocoaError(.fileNoSuchFile) }
        return fallback
    }

    static func runtime(prefix: String) throws -> any POPRuntime {
        try LocalRuntime.detect(prefix: prefix, launcherPath: try binary("headroom-launch"))
    }

    static func uniquePrefix() -> String { "headroom-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))" }

    static func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("headroom-rt-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The memory controller's mount (v1).
    static var memoryMount: String {
        if case let .v1(d)? = try? CgroupHierarchy.detect(), let memory = d.memory { return memory }
        return "/sys/fs/cgroup/memory"
    }

    /// Bitbrains VM files (`vms` × July and August) extracted into `directory`/bitbrains-rnd.
    static func inputs(into directory: String, vms: [String] = ["1", "6"]) throws -> String {
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/bin/tar")
        tar.arguments = ["-I", "zstd", "-xf", repositoryRoot.appendingPathComponent("datasets/bitbrains-rnd-40vms-2013-07-08.tar.zst").path,
                         "-C", directory] + vms.flatMap { ["bitbrains-rnd/2013-7/\($0).csv", "bitbrains-rnd/2013-8/\($0).csv"] }
        try tar.run()
        tar.waitUntilExit()
        #expect(tar.terminationStatus == 0)
        return "\(directory)/bitbrains-rnd"
    }

    /// A straight run of the example workload's output on `data` (the reference).
    static func straightOutput(data: String, scratch: String) throws -> Data {
        let output = "\(scratch)/straight.txt"
        let process = try ProcessSpawner.spawn([try binary("headroom-example-aggregate"), "--output", output, data],
                                               environment: ProcessInfo.processInfo.environment)
        #expect(process.wait() == .exited(0))
        return try #require(FileManager.default.contents(atPath: output))
    }
}
