import Agent
import ArgumentParser
import Foundation
import Resources

#if canImport(Glibc)
import Glibc
#endif

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Prints the resource vector of a process tree or a cgroup once per interval.",
        discussion: """
            --pid samples the process and its live descendants (CPU and memory from /proc/<pid>/stat, \
            disk from /proc/<pid>/io, network from the process's network namespace, lo excluded: the \
            namespace's traffic, not the process's own). --cgroup samples a cgroup by its path under the \
            controller mounts (as in /proc/<pid>/cgroup), v1 or v2 as the machine mounts them. The first \
            line comes one interval after the start; values no source measures print as NaN (null in JSON).
            """)

    @Option(help: "Root pid of the process tree to sample.")
    var pid: Int32?

    @Option(help: "Cgroup path to sample, e.g. /system.slice/foo.service.")
    var cgroup: String?

    @Option(help: "Time between samples: 1s, 500ms, 2m, or plain seconds.")
    var interval: String = "1s"

    @Option(help: "Stop after this many samples (default: until interrupted).")
    var count: Int?

    @Flag(help: "One JSON object per line instead of key=value text.")
    var json = false

    @Option(help: "The /proc to read (a fixture tree in tests).")
    var procRoot: String = "/proc"

    @Option(help: "The cgroup mount root to read.")
    var cgroupRoot: String = "/sys/fs/cgroup"

    func validate() throws {
        guard (pid == nil) != (cgroup == nil) else { throw ValidationError("give exactly one of --pid and --cgroup") }
        guard SamplerConfiguration(intervalText: interval) != nil else {
            throw ValidationError("--interval: expected a positive duration such as 1s, 500ms, 2m or 0.5, got \"\(interval)\"")
        }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
    }

    func run() throws {
        let configuration = SamplerConfiguration(intervalText: interval)!
        do {
            if let pid {
                let source = ProcessTreeSource(root: pid, reader: ProcReader(root: procRoot))
                if let reason = source.taskIteratorUnavailable, procRoot == "/proc" {
                    FileHandle.standardError.write(Data("headroom-agent: reading /proc files: \(reason)\n".utf8))
                }
                try loop(Sampler(source: source, configuration: configuration))
            } else if let cgroup {
                let reader = try CgroupReader(root: cgroupRoot)
                let source = CgroupSource(path: cgroup, reader: reader, procReader: ProcReader(root: procRoot))
                try loop(Sampler(source: source, configuration: configuration))
            }
        } catch let error as SamplingError {
            FileHandle.standardError.write(Data("headroom-agent: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    private func loop<Source: CounterSource>(_ initial: Sampler<Source>) throws {
        var sampler = initial
        let interval = sampler.configuration.intervalSeconds
        var next = MonotonicClock.seconds()
        var printed = 0
        while count.map({ printed < $0 }) ?? true {
            let now = MonotonicClock.seconds()
            if let vector = try sampler.sample(atMonotonicSeconds: now) {
                let line = json ? Self.json(vector, at: now) : Self.text(vector)
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
                printed += 1
                if let count, printed >= count { break }
            }
            next += interval
            let delay = next - MonotonicClock.seconds()
            if delay > 0 { usleep(useconds_t(min(delay, 4000) * 1e6)) }
        }
    }

    static func text(_ v: ResourceVector) -> String {
        Resource.allCases.map { "\($0.snakeCaseName)=\(format(v[$0]))" }.joined(separator: " ")
    }

    static func json(_ v: ResourceVector, at monotonicSeconds: Double) -> String {
        let fields = Resource.allCases.map { r in
            "\"\(r.snakeCaseName)\":\(v[r].isFinite ? format(v[r]) : "null")"
        }
        return "{\"monotonic_seconds\":\(format(monotonicSeconds)),\(fields.joined(separator: ","))}"
    }

    private static func format(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return String(format: "%.6g", x)
    }
}
