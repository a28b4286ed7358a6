/// Names of the system calls a blocked process is commonly found in, by number, for the
/// architecture the agent is built for (the numbers differ: x86-64 has its own table,
/// arm64 uses the generic one of include/uapi/asm-generic/unistd.h). Anything else is
/// `other`, which keeps the HMM's alphabet small.
public enum SyscallNames {
    public static let other = "other"

    /// The name of syscall `number`, or `other`.
    public static func name(of number: Int) -> String { table[number] ?? other }

    #if arch(x86_64)
    /// arch/x86/entry/syscalls/syscall_64.tbl.
    static let table: [Int: String] = [
        0: "read", 1: "write", 2: "open", 3: "close", 7: "poll", 17: "pread64", 18: "pwrite64", 19: "readv",
        20: "writev", 23: "select", 24: "sched_yield", 34: "pause", 35: "nanosleep", 42: "connect", 43: "accept",
        44: "sendto", 45: "recvfrom", 46: "sendmsg", 47: "recvmsg", 61: "wait4", 65: "semop", 70: "msgrcv",
        73: "flock", 74: "fsync", 75: "fdatasync", 128: "rt_sigtimedwait", 130: "rt_sigsuspend", 202: "futex",
        208: "io_getevents", 230: "clock_nanosleep", 232: "epoll_wait", 247: "waitid", 257: "openat",
        270: "pselect6", 271: "ppoll", 281: "epoll_pwait", 288: "accept4", 426: "io_uring_enter",
        441: "epoll_pwait2", 449: "futex_waitv",
    ]
    #else
    /// include/uapi/asm-generic/unistd.h (arm64, riscv64, loongarch64).
    static let table: [Int: String] = [
        4: "io_getevents", 22: "epoll_pwait", 32: "flock", 56: "openat", 57: "close", 63: "read", 64: "write",
        65: "readv", 66: "writev", 67: "pread64", 68: "pwrite64", 72: "pselect6", 73: "ppoll", 82: "fsync",
        83: "fdatasync", 95: "waitid", 98: "futex", 101: "nanosleep", 115: "clock_nanosleep", 124: "sched_yield",
        133: "rt_sigsuspend", 137: "rt_sigtimedwait", 188: "msgrcv", 193: "semop", 202: "accept", 203: "connect",
        206: "sendto", 207: "recvfrom", 211: "sendmsg", 212: "recvmsg", 242: "accept4", 260: "wait4",
        426: "io_uring_enter", 441: "epoll_pwait2", 449: "futex_waitv",
    ]
    #endif
}
