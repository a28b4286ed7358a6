/// Everything that can go wrong while reading and parsing /proc and cgroup files.
///
/// Messages name the file and, for parse errors, the 1-based line and the field, so a
/// report from a kernel with a different format points at the exact place to look.
public enum SamplingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text of `file` is not in the format the kernel writes: `field` on `line`
    /// (1-based) is missing or not a number.
    case malformed(file: String, line: Int, field: String, reason: String)
    /// The process exited (its /proc entry vanished: `ENOENT` or `ESRCH`).
    case processGone(pid: Int32)
    /// `file` could not be opened or read; `errno` is the C error number.
    case unreadable(file: String, errno: Int32)
    /// No cgroup hierarchy (neither v2's `cgroup.controllers` nor a v1 controller
    /// directory) was found under `root`.
    case noCgroupHierarchy(root: String)
    /// The cgroup `path` exists in none of the hierarchy's controllers.
    case cgroupNotFound(path: String)
    /// The monotonic clock did not advance between two samples, so no rate exists.
    case clockDidNotAdvance(previousSeconds: Double, currentSeconds: Double)

    public var description: String {
        switch self {
        case let .malformed(file, line, field, reason):
            "\(file) line \(line), field \(field): \(reason); is this a kernel whose format the agent does not know yet?"
        case let .processGone(pid):
            "process \(pid) has exited (its /proc entry is gone)"
        case let .unreadable(file, errno):
            "cannot read \(file) (errno \(errno)); check that it exists and that the agent may read it (root, or the file's owner)"
        case let .noCgroupHierarchy(root):
            "no cgroup hierarchy under \(root): expected \(root)/cgroup.controllers (v2) or controller directories such as \(root)/memory (v1)"
        case let .cgroupNotFound(path):
            "no cgroup \(path) in any controller; list the cgroups with `cat /proc/<pid>/cgroup` for a process inside it"
        case let .clockDidNotAdvance(previous, current):
            "the monotonic clock did not advance between samples (\(previous) s → \(current) s); pass a monotonic time"
        }
    }
}
