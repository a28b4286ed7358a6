import CAgentBPF
#if canImport(Glibc)
import Glibc
#endif

/// Why the task iterator cannot be used; the process sampler then reads `/proc`.
public enum TaskIteratorError: Error, Sendable, CustomStringConvertible {
    /// The kernel, the permissions or the platform do not allow it.
    case unavailable(String)
    /// The kernel's BTF lacks something the program needs (an older kernel's layout).
    case btf(source: String, reason: String)
    /// The kernel refused the program or the iterator; the verifier log when there is one.
    case rejected(step: String, errno: Int32, log: String)
    /// Reading the iterator failed.
    case readFailed(errno: Int32)
    /// The iterator's output was not a whole number of records.
    case malformed(bytes: Int)

    public var description: String {
        switch self {
        case let .unavailable(reason): return "task iterator unavailable: \(reason)"
        case let .btf(source, reason): return "task iterator unavailable: \(source): \(reason)"
        case let .rejected(step, code, log):
            let tail = log.isEmpty ? "" : "; verifier: " + log.split(separator: "\n").suffix(4).joined(separator: " | ")
            return "task iterator unavailable: \(step) failed: \(String(cString: strerror(code)))\(tail)"
        case let .readFailed(code): return "task iterator read failed: \(String(cString: strerror(code)))"
        case let .malformed(bytes): return "task iterator returned \(bytes) bytes, not whole \(TaskIteratorProgram.recordSize)-byte records"
        }
    }
}

/// One process (thread group) as the task iterator saw it, in the units `/proc` uses for
/// the same quantities.
public struct ProcessTaskCounters: Sendable, Hashable {
    public var pid: Int32
    public var parentPID: Int32
    /// `/proc/<pid>/stat` field 22: start time in clock ticks since boot.
    public var startTimeTicks: UInt64
    public var threadCount: Int
    /// CPU time of the whole thread group, nanoseconds: every live thread's
    /// `sum_exec_runtime` plus the exited threads' (`schedstat`'s unit; `stat`'s utime +
    /// stime are the same total, scaled and rounded to ticks).
    public var cpuNanoseconds: UInt64
    /// Storage bytes of the thread group, as `/proc/<pid>/io` `read_bytes` / `write_bytes`.
    public var readBytes: UInt64
    public var writeBytes: UInt64
    /// Resident pages as `statm` (exact per-CPU sum); nil for a process without an address
    /// space (a kernel thread, or a leader that exited while other threads run).
    public var residentPages: Int64?
    public var isKernelThread: Bool
}

/// Every process on the host in one read: an eBPF task iterator (Linux ≥ 5.8 for
/// iterators, ≥ 6.2 for the per-CPU RSS counters it sums; root or CAP_BPF + CAP_PERFMON).
/// One `read` costs about what reading one process's `stat` through `/proc` does for a
/// few processes, whatever the number of processes (bench/agent/RESULTS.md).
///
/// Load it once (`init`), then call `processes()` per sample. Descriptors are closed on
/// deinit. Not thread-safe (one record buffer).
public final class TaskIterator {
    private let programFD: Int32
    private let linkFD: Int32
    private let nanosecondsPerTick: UInt64
    private var recordBytes: [UInt8]

    /// Builds the program for the running kernel, loads it and creates the iterator link.
    public init(btfPath: String = "/sys/kernel/btf/vmlinux",
                clockTicksPerSecond: Int = sysconf(Int32(_SC_CLK_TCK))) throws(TaskIteratorError) {
        #if os(Linux)
        let btf = try KernelBTF(path: btfPath)
        let cpus = try Self.possibleCPUs()
        let perCPUMap = headroom_bpf_create_array_map(1, 8, 1)
        guard perCPUMap >= 0 else { throw .rejected(step: "creating the per-CPU map", errno: -perCPUMap, log: "") }
        defer { close(perCPUMap) }  // the loaded program keeps its maps
        let offsetsMap = headroom_bpf_create_array_map(0, UInt32(8 * (cpus + 1)), 1)
        guard offsetsMap >= 0 else { throw .rejected(step: "creating the offsets map", errno: -offsetsMap, log: "") }
        defer { close(offsetsMap) }
        let program = try TaskIteratorProgram(btf: btf, possibleCPUs: cpus, perCPUMap: perCPUMap, offsetsMap: offsetsMap)
        var log = [CChar](repeating: 0, count: 1 << 16)
        let fd = program.instructions.withUnsafeBufferPointer { code in
            headroom_bpf_load_iterator(code.baseAddress, UInt32(code.count), program.attachBTFID, &log, UInt32(log.count))
        }
        guard fd >= 0 else {
            let logText = log.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw .rejected(step: "loading the program", errno: -fd, log: logText)
        }
        let link = headroom_bpf_create_iterator_link(fd)
        guard link >= 0 else {
            close(fd)
            throw .rejected(step: "creating the iterator link", errno: -link, log: "")
        }
        programFD = fd
        linkFD = link
        nanosecondsPerTick = UInt64(1_000_000_000 / max(1, clockTicksPerSecond))
        recordBytes = [UInt8](repeating: 0, count: 1 << 16)
        #else
        throw .unavailable("eBPF task iterators are Linux only")
        #endif
    }

    /// The iterator for sampling through `reader`, when it can stand in for it: `reader`
    /// reads the real `/proc`, the program loads, and this process is in the initial pid
    /// namespace (the iterator reports global pids; `/proc` shows the namespace's own).
    public static func load(for reader: ProcReader) -> Result<TaskIterator, TaskIteratorError> {
        guard reader.root == "/proc" else { return .failure(.unavailable("the reader's root is \(reader.root), not /proc")) }
        do {
            let iterator = try TaskIterator(clockTicksPerSecond: Int(reader.clockTicksPerSecond))
            guard let me = try iterator.processes()[getpid()], me.parentPID == getppid() else {
                return .failure(.unavailable("this process is not in the initial pid namespace"))
            }
            return .success(iterator)
        } catch {
            return .failure(error)
        }
    }

    deinit {
        close(linkFD)
        close(programFD)
    }

    /// `/sys/devices/system/cpu/possible` ("0-1", "0,2-7"): the highest CPU number + 1.
    static func possibleCPUs(path: String = "/sys/devices/system/cpu/possible") throws(TaskIteratorError) -> Int {
        let reader = FileBytesReader(initialCapacityBytes: 256)
        let text: String
        switch withExtendedLifetime(reader, { reader.read(path).map { String(decoding: $0.filter { $0 > 0x20 }, as: UTF8.self) } }) {
        case let .success(value): text = value
        case let .failure(error): throw .unavailable("cannot read \(path): \(String(cString: strerror(error.code)))")
        }
        var highest = -1
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-")
            guard let last = bounds.last, let value = Int(last) else { throw .unavailable("\(path): \"\(text)\" is not a CPU list") }
            highest = max(highest, value)
        }
        guard highest >= 0 else { throw .unavailable("\(path) is empty") }
        return highest + 1
    }

    /// Runs the iterator once into `recordBytes` (grown as needed, kept between reads):
    /// the number of bytes of raw per-thread records (see `TaskIteratorProgram`).
    func records() throws(TaskIteratorError) -> Int {
        let fd = headroom_bpf_open_iterator(linkFD)
        guard fd >= 0 else { throw .readFailed(errno: -fd) }
        defer { close(fd) }
        var count = 0
        while true {
            if count == recordBytes.count { recordBytes += [UInt8](repeating: 0, count: recordBytes.count) }
            let n = recordBytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw .readFailed(errno: errno)
            }
            if n == 0 { break }
            count += n
        }
        guard count % TaskIteratorProgram.recordSize == 0 else { throw .malformed(bytes: count) }
        return count
    }

    /// Every process on the host now, by pid (global pid namespace).
    ///
    /// Threads are summed into their process as `/proc/<pid>/{schedstat,io}` of the group
    /// would be (live threads plus what exited threads left in the signal struct). A thread
    /// that exits between the iterator's visits can be counted twice or not at all for
    /// this one read; rates treat a counter that went back as no progress.
    ///
    /// `only`: the processes wanted (the others' records are skipped); nil for all.
    public func processes(only wanted: Set<Int32>? = nil) throws(TaskIteratorError) -> [Int32: ProcessTaskCounters] {
        let count = try records()
        var result: [Int32: ProcessTaskCounters] = [:]
        result.reserveCapacity(wanted?.count ?? count / TaskIteratorProgram.recordSize)
        recordBytes.withUnsafeBytes { raw in
            var at = 0
            while at < count {
                defer { at += TaskIteratorProgram.recordSize }
                func u32(_ offset: Int) -> UInt32 { raw.loadUnaligned(fromByteOffset: at + offset, as: UInt32.self) }
                func u64(_ offset: Int) -> UInt64 { raw.loadUnaligned(fromByteOffset: at + offset, as: UInt64.self) }
                let tid = Int32(bitPattern: u32(0)), tgid = Int32(bitPattern: u32(4))
                if let wanted, !wanted.contains(tgid) { continue }
                let runtime = u64(16), read = u64(24), write = u64(32)
                if tid == tgid {
                    let rss = Int64(bitPattern: u64(72))
                    var entry = result[tgid] ?? ProcessTaskCounters(
                        pid: tgid, parentPID: 0, startTimeTicks: 0, threadCount: 0, cpuNanoseconds: 0,
                        readBytes: 0, writeBytes: 0, residentPages: nil, isKernelThread: false)
                    entry.parentPID = Int32(bitPattern: u32(8))
                    entry.threadCount = Int(u32(12))
                    entry.startTimeTicks = u64(40) / nanosecondsPerTick
                    entry.cpuNanoseconds &+= runtime &+ u64(48)
                    entry.readBytes &+= read &+ u64(56)
                    entry.writeBytes &+= write &+ u64(64)
                    entry.residentPages = rss < 0 ? nil : rss
                    entry.isKernelThread = u32(80) & 0x0020_0000 != 0
                    result[tgid] = entry
                } else if var entry = result[tgid] {
                    entry.cpuNanoseconds &+= runtime
                    entry.readBytes &+= read
                    entry.writeBytes &+= write
                    result[tgid] = entry
                } else {
                    // A thread seen before its leader (the iterator walks by thread id).
                    result[tgid] = ProcessTaskCounters(
                        pid: tgid, parentPID: 0, startTimeTicks: 0, threadCount: 0, cpuNanoseconds: runtime,
                        readBytes: read, writeBytes: write, residentPages: nil, isKernelThread: false)
                }
            }
        }
        return result
    }
}
