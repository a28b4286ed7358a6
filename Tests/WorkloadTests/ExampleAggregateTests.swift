import Foundation
import HeadroomTestSupport
import Testing

/// The example workload as a real child process: interrupted by the checkpoint signal any
/// number of times, or split into ranges, its output is byte-identical to one straight run.
@Suite("Example workload: checkpoint, resume, partition", .serialized)
struct ExampleAggregateTests {
    static var binary: String { get throws { try TestProcess.executable("headroom-example-aggregate") } }

    /// Four bundled VM files (two VMs × two months) in a scratch directory.
    static func inputs() throws -> URL {
        let directory = TestProcess.temporaryDirectory(prefix: "headroom-agg")
        try TestProcess.extractBitbrains([1, 6], into: directory)
        return directory
    }

    static func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try binary)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test("checkpointed three times and resumed, or split into ranges: the output is byte-identical")
    func identicalOutput() throws {
        let directory = try Self.inputs()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("bitbrains-rnd").path
        let straight = directory.appendingPathComponent("straight.txt").path
        let whole = try Self.start(["--output", straight, data])
        whole.waitUntilExit()
        #expect(whole.terminationStatus == 0)
        let expected = try #require(FileManager.default.contents(atPath: straight))
        #expect(String(decoding: expected, as: UTF8.self).split(separator: "\n").count == 4)

        // Paced so it runs long enough to be interrupted mid-file.
        let checkpoints = directory.appendingPathComponent("ckpt").path
        let resumed = directory.appendingPathComponent("resumed.txt").path
        var interruptions = 0
        var arguments = ["--output", resumed, "--checkpoint-dir", checkpoints, "--pace-rows", "250", "--pace-ms", "20",
                         "--hold-bytes-per-row", "64", data]
        while true {
            let run = try Self.start(arguments)
            if interruptions < 3 {
                usleep(400_000)
                kill(run.processIdentifier, SIGUSR1)
            }
            run.waitUntilExit()
            if run.terminationStatus == 85 {
                interruptions += 1
                #expect(FileManager.default.fileExists(atPath: checkpoints + "/state.json"))
                if !arguments.contains("--resume") { arguments.insert("--resume", at: 0) }
                continue
            }
            #expect(run.terminationStatus == 0)
            break
        }
        #expect(interruptions == 3)
        #expect(FileManager.default.contents(atPath: resumed) == expected)

        // Partition: three ranges, gathered in order.
        var gathered = Data()
        for (k, range) in ["0:1", "1:3", "3:4"].enumerated() {
            let part = directory.appendingPathComponent("part\(k).txt").path
            let run = try Self.start(["--output", part, "--range", range, data])
            run.waitUntilExit()
            #expect(run.terminationStatus == 0)
            gathered.append(try #require(FileManager.default.contents(atPath: part)))
        }
        #expect(gathered == expected)
    }

    @Test("without a checkpoint directory the signal is refused loudly; a bad resume names the file")
    func errors() throws {
        let directory = try Self.inputs()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("bitbrains-rnd").path
        let run = try Self.start(["--output", directory.appendingPathComponent("o.txt").path, "--pace-rows", "100", "--pace-ms", "20", data])
        usleep(200_000)
        kill(run.processIdentifier, SIGUSR1)
        run.waitUntilExit()
        #expect(run.terminationStatus == 64)
        let missing = try Self.start(["--output", "/dev/null", "--resume", "--checkpoint-dir", directory.appendingPathComponent("none").path, data])
        missing.waitUntilExit()
        #expect(missing.terminationStatus == 64)
    }
}
