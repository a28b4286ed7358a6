#if canImport(Glibc)
import Glibc
#endif

/// Reads `/proc/<pid>/{stat,syscall,wchan}` and parses them into a `KernelState` (the
/// parsers take text; this is the part that opens files). `procRoot` is `/proc`, or a
/// copy of one for tests.
///
/// `/proc/<pid>/syscall` needs ptrace access to the process (`PTRACE_MODE_ATTACH`):
/// for other users' processes without `CAP_SYS_PTRACE`, or under a Yama scope of 2+, the
/// kernel answers `EACCES`/`EPERM`. The state is then reported without its syscall
/// (`syscall == nil`, counted in `syscallDeniedCount`) rather than failing.
///
/// Not thread-safe (one buffer); one sampler per sampling task.
public final class KernelStateSampler {
    public let procRoot: String
    /// How many samples had to leave out the syscall because reading it was refused.
    public private(set) var syscallDeniedCount = 0
    private var buffer = [UInt8](repeating: 0, count: 4096)

    public init(procRoot: String = "/proc") { self.procRoot = procRoot }

    /// The kernel-visible state of `pid` now.
    /// - Throws: `SamplingError.processGone` when the process has exited,
    ///   `.unreadable` / `.malformed` naming the file otherwise.
    public func sample(pid: Int32) throws(SamplingError) -> KernelState {
        let statPath = "\(procRoot)/\(pid)/stat"
        let statText: String
        switch read(statPath) {
        case .success(let text): statText = text
        case .failure(let error):
            let code = error.code
            if code == ENOENT || code == ESRCH { throw .processGone(pid: pid) }
            throw .unreadable(file: statPath, errno: code)
        }
        let stat = try ProcessStat(parsing: statText, file: statPath)
        var syscall: KernelSyscall?
        let syscallPath = "\(procRoot)/\(pid)/syscall"
        switch read(syscallPath) {
        case .success(let text): syscall = try KernelSyscall(parsing: text, file: syscallPath)
        case .failure(let error):
            let code = error.code
            if code == ENOENT || code == ESRCH { throw .processGone(pid: pid) }
            if code == EACCES || code == EPERM { syscallDeniedCount += 1 } else { throw .unreadable(file: syscallPath, errno: code) }
        }
        // wchan is optional information: any failure just leaves it out.
        let waitChannel: String? = if case .success(let text) = read("\(procRoot)/\(pid)/wchan") { KernelWaitChannel.parse(text) } else { nil }
        return KernelState(state: stat.state, syscall: syscall, waitChannel: waitChannel)
    }

    /// `sample(pid:)` as a `state` trace event named by the symbol, with the raw parts in
    /// its attributes (`{"syscall":"futex","wchan":"futex_wait_queue"}`).
    public func event(pid: Int32, workload: String, timestampSeconds: Double) throws(SamplingError) -> TraceEvent {
        let state = try sample(pid: pid)
        var parts: [String] = []
        switch state.syscall {
        case .running?: parts.append("\"syscall\":\"running\"")
        case .notInSyscall?: parts.append("\"syscall\":\"none\"")
        case .blocked(let number)?: parts.append("\"syscall\":\"\(SyscallNames.name(of: number))\",\"syscall_number\":\(number)")
        case nil: break
        }
        // parse() admits only identifier characters, so no escaping is needed.
        if let wchan = state.waitChannel { parts.append("\"wchan\":\"\(wchan)\"") }
        return TraceEvent(workload: workload, timestampSeconds: timestampSeconds, kind: .state, name: state.symbol,
                          attributesJSON: parts.isEmpty ? nil : "{" + parts.joined(separator: ",") + "}")
    }

    /// An errno from `open` or `read`.
    struct FileError: Error { let code: Int32 }

    /// The whole file as text, or the errno of the failing call.
    private func read(_ path: String) -> Result<String, FileError> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(FileError(code: errno)) }
        defer { close(fd) }
        var count = 0
        while true {
            if count == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(FileError(code: errno))
            }
            if n == 0 { break }
            count += n
        }
        return .success(String(decoding: buffer[0..<count], as: UTF8.self))
    }
}
