import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended.
public enum ProcessExit: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signalled(Int32)

    /// The shell's convention: the exit code, or 128 + the signal.
    public var status: Int32 {
        switch self {
        case let .exited(code): code
        case let .signalled(signal): 128 + signal
        }
    }

    public var description: String {
        switch self {
        case let .exited(code): "exited with status \(code)"
        case let .signalled(signal): "killed by signal \(signal)\(signal == SIGKILL ? " (SIGKILL: the OOM killer, or a kill -9)" : "")"
        }
    }
}

/// A child the agent spawned, reaped with `waitpid` on its own pid only (never `-1`, so
/// children that other code started are left to it). Thread-safe: the exit is reaped once
/// and remembered.
public final class LaunchedProcess: @unchecked Sendable {
    public let pid: Int32
    private let lock = NSLock()
    private var exit: ProcessExit?

    public init(pid: Int32) { self.pid = pid }

    /// The exit if the process has ended (reaping it), else nil. Never blocks.
    public func poll() -> ProcessExit? {
        lock.lock()
        defer { lock.unlock() }
        if let exit { return exit }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else { return nil }
        exit = Self.decode(status)
        return exit
    }

    /// Waits for the exit, polling every 10 ms; nil when `timeoutSeconds` passes first.
    public func wait(timeoutSeconds: Double) -> ProcessExit? {
        let deadline = MonotonicClock.seconds() + timeoutSeconds
        while true {
            if let exit = poll() { return exit }
            if MonotonicClock.seconds() >= deadline { return nil }
            usleep(10_000)
        }
    }

    /// Waits for the exit, however long it takes.
    public func wait() -> ProcessExit {
        lock.lock()
        defer { lock.unlock() }
        if let exit { return exit }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        exit = Self.decode(status)
        return exit!
    }

    public var isRunning: Bool { poll() == nil }

    /// Sends `signal`; false when the process is gone.
    @discardableResult
    public func signal(_ signal: Int32) -> Bool { poll() == nil && kill(pid, signal) == 0 }

    static func decode(_ status: Int32) -> ProcessExit {
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import as macros.
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }
}
