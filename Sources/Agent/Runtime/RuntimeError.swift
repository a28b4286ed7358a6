import Foundation

/// What can go wrong creating, launching into, resizing or removing a local POP's cgroups.
/// Messages name the file or program and say what to check.
public enum RuntimeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A cgroup file or directory operation failed; `errno` is the C error number.
    case cgroupFile(operation: String, path: String, errno: Int32)
    /// The machine mounts no cgroup hierarchy the runtime can use.
    case unsupportedHierarchy(String)
    /// `posix_spawn` (or a helper program) failed.
    case spawn(program: String, errno: Int32)
    /// A program the runtime runs (`ip`, `criu`) exited non-zero.
    case programFailed(argv: [String], status: Int32, output: String)
    /// Processes were still in a cgroup after they were killed.
    case processesRemain(cgroup: String, pids: [Int32])
    /// A VM operation was asked of a workload that is not a VM.
    case notAVirtualMachine(String)

    public var description: String {
        switch self {
        case let .cgroupFile(operation, path, errno):
            "cannot \(operation) \(path): errno \(errno) (\(String(cString: strerror(errno)))); the agent needs root (or CAP_SYS_ADMIN and write access to the cgroup tree)"
        case let .unsupportedHierarchy(reason): "unsupported cgroup hierarchy: \(reason)"
        case let .spawn(program, errno): "cannot start \(program): errno \(errno) (\(String(cString: strerror(errno))))"
        case let .programFailed(argv, status, output):
            "\(argv.joined(separator: " ")) exited with status \(status): \(output.trimmingCharacters(in: .whitespacesAndNewlines))"
        case let .processesRemain(cgroup, pids): "processes \(pids) are still in \(cgroup) after SIGKILL"
        case let .notAVirtualMachine(name): "workload \(name) is not a VM (kind = \"vm\" in the fleet file)"
        }
    }
}
