import Agent
import Resources
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `agent-bench`: the CPU cost of the agent's process sampler (bench/agent/run.sh runs it
/// beside psutil). Not a test.
///
/// Usage: agent-bench list PID... | tree ROOT | cgroup PATH   [--seconds S] [--hz H] [--procfs]
///        agent-bench vm-migrate … (a VM's live migration, `VMMigrationBench`)
///   list    samples each pid alone (stat + io, and the net/dev of each distinct namespace)
///   tree    samples ROOT and its descendants (a walk of every /proc/<pid>/stat, then io)
///   cgroup  samples the cgroup PATH (v1 or v2 under /sys/fs/cgroup) and the network
///           namespace of its first process
/// `list` and `tree` read through the eBPF task iterator where it loads (as the agent does),
/// or `/proc` files with `--procfs` (or when it does not load); the JSON line says which
/// ("backend") and how long loading the iterator took ("setup_ms", not in the CPU time).
/// Samples at H Hz (default 1) for S seconds (default 60), and prints one JSON line with
/// the process's own CPU time (getrusage RUSAGE_SELF, user + system) over the run as a
/// percentage of one core, the number of samples and processes, and the CPU time per sample.
struct Options {
    var mode = ""
    var pids: [Int32] = []
    var cgroup: String?
    var seconds = 60.0
    var hz = 1.0
    var procfs = false
}

func parse(_ arguments: [String]) -> Options? {
    var options = Options()
    var i = 0
    guard let mode = arguments.first, ["list", "tree", "cgroup"].contains(mode) else { return nil }
    options.mode = mode
    i = 1
    if mode == "cgroup" {
        guard arguments.count > 1 else { return nil }
        options.cgroup = arguments[1]
        i = 2
    }
    while i < arguments.count {
        switch arguments[i] {
        case "--seconds":
            guard i + 1 < arguments.count, let s = Double(arguments[i + 1]), s > 0 else { return nil }
            options.seconds = s
            i += 2
        case "--hz":
            guard i + 1 < arguments.count, let h = Double(arguments[i + 1]), h > 0 else { return nil }
            options.hz = h
            i += 2
        case "--procfs":
            options.procfs = true
            i += 1
        default:
            guard let pid = Int32(arguments[i]) else { return nil }
            options.pids.append(pid)
            i += 1
        }
    }
    if options.mode == "cgroup" { return options.pids.isEmpty ? options : nil }
    guard !options.pids.isEmpty, options.mode == "list" || options.pids.count == 1 else { return nil }
    return options
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
}

if CommandLine.arguments.dropFirst().first == "vm-migrate" { exit(VMMigrationBench.run(Array(CommandLine.arguments.dropFirst(2)))) }
guard let options = parse(Array(CommandLine.arguments.dropFirst())) else {
    FileHandle.standardError.write(Data("usage: agent-bench list PID... | tree ROOT | cgroup PATH  [--seconds S] [--hz H] [--procfs]\n".utf8))
    exit(2)
}

/// Samples `source` at the options' rate for the options' duration and prints the JSON line.
func measure<Source: CounterSource>(
    _ source: Source, backend: String = "cgroup files", setupSeconds: Double = 0, processes countProcesses: (Source) throws -> Int
) throws {
    var sampler = Sampler(source: source, configuration: SamplerConfiguration(intervalSeconds: 1 / options.hz))
    let interval = sampler.configuration.intervalSeconds
    let cpu0 = cpuSeconds()
    let wall0 = MonotonicClock.seconds()
    var samples = 0
    var last = ResourceVector.absent
    var next = wall0
    while MonotonicClock.seconds() - wall0 < options.seconds {
        if let v = try sampler.sample(atMonotonicSeconds: MonotonicClock.seconds()) { last = v }
        samples += 1
        next += interval
        let sleep = next - MonotonicClock.seconds()
        if sleep > 0 { usleep(useconds_t(sleep * 1e6)) }
    }
    let wall = MonotonicClock.seconds() - wall0
    let cpu = cpuSeconds() - cpu0
    let processes = try countProcesses(sampler.source)
    print("""
        {"impl":"headroom-\(options.mode)","processes":\(processes),"samples":\(samples),"wall_s":\(wall),\
        "cpu_s":\(cpu),"percent_of_one_core":\(100 * cpu / wall),"cpu_us_per_sample":\(1e6 * cpu / Double(samples)),\
        "last_memory_bytes":\(last.memoryBytes),"backend":"\(backend)","setup_ms":\(setupSeconds * 1000)}
        """)
}

do {
    if let cgroup = options.cgroup {
        try measure(CgroupSource(path: cgroup, reader: try CgroupReader())) { try $0.reader.processIDs(cgroup: cgroup).count }
    } else {
        let start = MonotonicClock.seconds()
        let source = options.procfs
            ? ProcessTreeSource(roots: options.pids, includeDescendants: options.mode == "tree", taskIterator: nil)
            : ProcessTreeSource(roots: options.pids, includeDescendants: options.mode == "tree")
        let setup = MonotonicClock.seconds() - start
        let backend = source.taskIterator == nil ? "procfs" : "task-iterator"
        if !options.procfs, let reason = source.taskIteratorUnavailable {
            FileHandle.standardError.write(Data("reading /proc files: \(reason)\n".utf8))
        }
        try measure(source, backend: backend, setupSeconds: setup) { source in
            var source = source
            return try source.readCounters().keys.filter { if case .process = $0 { true } else { false } }.count
        }
    }
} catch {
    FileHandle.standardError.write(Data("sampling failed: \(error)\n".utf8))
    exit(1)
}
