/// What the kernel shows of a process that sends no trace events: its scheduler state
/// (`/proc/<pid>/stat` field 3), the system call it is blocked in (`/proc/<pid>/syscall`)
/// and the kernel function it sleeps in (`/proc/<pid>/wchan`), folded into one symbol for
/// the HMM.
///
/// Symbol rule (`symbol`):
/// * `R` (running or runnable) is just `R`: the syscall file then says `running`.
/// * `S` (interruptible sleep) is `S:<syscall>` when blocked in a system call the agent
///   names (`S:futex`, `S:epoll_wait`, `S:clock_nanosleep`), else `S:<wchan>` when the
///   kernel gives a wait channel, else `S:other` for an unnamed syscall, else `S`. The
///   syscall comes first because for a sleeping process it is what the *program* chose
///   to wait on (a lock, a socket, a timer).
/// * `D` (uninterruptible, usually disk or memory) is `D:<wchan>` first (`D:io_schedule`,
///   `D:folio_wait_bit_common`), then `D:<syscall>`, else `D`: in D the kernel function
///   says what is awaited, the syscall (read, fsync, a page fault in no syscall) less so.
/// * Every other state (`Z` zombie, `T` stopped, `t` traced, `I` idle kernel thread,
///   `X` dead, …) is the bare letter.
///
/// Only the main thread is sampled (`/proc/<pid>/…` describe the thread group leader).
public struct KernelState: Sendable, Equatable {
    /// proc(5) field 3: `R`, `S`, `D`, `Z`, `T`, `t`, `X`, `I`, …
    public var state: Character
    /// nil when `/proc/<pid>/syscall` could not be read (it needs ptrace access:
    /// `EACCES`/`EPERM` for other users' processes, or one outside our pid namespace).
    public var syscall: KernelSyscall?
    /// The wait channel, nil when the process is not sleeping or the kernel hides it.
    public var waitChannel: String?

    public init(state: Character, syscall: KernelSyscall?, waitChannel: String?) {
        self.state = state
        self.syscall = syscall
        self.waitChannel = waitChannel
    }

    /// The HMM symbol (see the type's comment for the rule).
    public var symbol: String {
        let syscallName: String? = if case .blocked(let number)? = syscall { SyscallNames.name(of: number) } else { nil }
        let named = syscallName.flatMap { $0 == SyscallNames.other ? nil : $0 }
        switch state {
        case "R": return "R"
        case "S":
            if let detail = named ?? waitChannel ?? syscallName { return "S:\(detail)" }
            return "S"
        case "D":
            if let detail = waitChannel ?? syscallName { return "D:\(detail)" }
            return "D"
        default: return String(state)
        }
    }
}

/// The first field of `/proc/<pid>/syscall` (proc(5)).
public enum KernelSyscall: Sendable, Equatable {
    /// `running`: the process is on a CPU (in user space or the kernel).
    case running
    /// `-1`: blocked in the kernel but not in a system call (e.g. a page fault).
    case notInSyscall
    /// Blocked in system call `number` (the architecture's numbering).
    case blocked(number: Int)

    /// Parses the text of `/proc/<pid>/syscall`; `file` names it in errors.
    /// - Throws: `SamplingError.malformed` when the first field is none of the above.
    public init(parsing text: String, file: String = "/proc/<pid>/syscall") throws(SamplingError) {
        let first = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).first.map(String.init) ?? ""
        switch first {
        case "running": self = .running
        case "-1": self = .notInSyscall
        default:
            guard let number = Int(first), number >= 0 else {
                throw .malformed(file: file, line: 1, field: "syscall number (1)",
                                 reason: first.isEmpty ? "the file is empty" : "\"\(first)\" is not running, -1 or a syscall number")
            }
            self = .blocked(number: number)
        }
    }
}

/// `/proc/<pid>/wchan`: a kernel function name, or `0` (or nothing) when the process is
/// not waiting or the kernel hides the address.
public enum KernelWaitChannel {
    /// The function name, or nil for `0`, empty text, or text that is not an identifier.
    public static func parse(_ text: String) -> String? {
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty, trimmed != "0",
              trimmed.utf8.count <= 128,
              trimmed.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
                  || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0)
                  || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return trimmed
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\n" || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\n" || c == "\t" { s.removeLast() }
        return String(s)
    }
}
