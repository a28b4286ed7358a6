import Agent
import Foundation
import HeadroomTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `headroom-agent sample` run as a real child process, and its interval syntax.
@Suite("headroom-agent sample", .serialized)
struct SampleCommandTests {
    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let out = try TestProcess.run("headroom-agent", arguments)
        return (out.status, out.stdout, out.stderr)
    }

    @Test("intervals: 1s, 500ms, 2m, 1h and plain seconds; nonsense, zero and negatives are rejected")
    func intervals() {
        #expect(SamplerConfiguration(intervalText: "1s")?.intervalSeconds == 1)
        #expect(SamplerConfiguration(intervalText: "500ms")?.intervalSeconds == 0.5)
        #expect(SamplerConfiguration(intervalText: "2m")?.intervalSeconds == 120)
        #expect(SamplerConfiguration(intervalText: "1h")?.intervalSeconds == 3600)
        #expect(SamplerConfiguration(intervalText: "0.25")?.intervalSeconds == 0.25)
        for bad in ["", "s", "0s", "-1s", "fast", "1 s", "nan", "infs"] {
            #expect(SamplerConfiguration(intervalText: bad) == nil, "\(bad)")
        }
    }

    @Test("--pid --json prints one JSON vector per interval for a live process")
    func samplePID() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/sleep")
        child.arguments = ["30"]
        try child.run()
        defer { kill(child.processIdentifier, SIGKILL); child.waitUntilExit() }
        let result = try Self.run(["sample", "--pid", "\(child.processIdentifier)", "--interval", "100ms", "--count", "2", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let cpu = try #require(object["cpu_cores"] as? Double)
            let memory = try #require(object["memory_bytes"] as? Double)
            #expect(cpu >= 0 && cpu < 0.5 && memory > 0)
            #expect(object["network_receive_bytes_per_second"] is Double)
        }
        let text = try Self.run(["sample", "--pid", "\(child.processIdentifier)", "--interval", "0.1", "--count", "1"])
        #expect(text.stdout.hasPrefix("cpu_cores="))
    }

    @Test("a gone pid exits 1 naming it; bad arguments are usage errors")
    func errors() throws {
        let gone = try Self.run(["sample", "--pid", "2147483000", "--count", "1", "--interval", "10ms"])
        #expect(gone.status == 1)
        #expect(gone.stderr.contains("process 2147483000 has exited"))
        let both = try Self.run(["sample", "--pid", "1", "--cgroup", "/", "--count", "1"])
        #expect(both.status == 64 && both.stderr.contains("exactly one of --pid and --cgroup"))
        let interval = try Self.run(["sample", "--pid", "1", "--interval", "soon"])
        #expect(interval.status == 64 && interval.stderr.contains("--interval"))
    }
}
