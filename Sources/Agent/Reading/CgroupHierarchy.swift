#if canImport(Glibc)
import Glibc
#endif

/// Which cgroup interface a machine mounts, and where.
///
/// v2 (unified) has `cgroup.controllers` at its root. v1 mounts one directory per
/// controller (or per group of co-mounted controllers such as `cpu,cpuacct`). A "hybrid"
/// machine mounts v1 controllers and a controller-less v2 tree at `unified`: that is v1
/// for resource accounting, and is reported as `.v1` with `unifiedDirectory` set.
public enum CgroupHierarchy: Sendable, Hashable {
    case v1(CgroupV1Directories)
    case v2(root: String)

    /// Detects the hierarchy under `root` (normally `/sys/fs/cgroup`).
    public static func detect(root: String = "/sys/fs/cgroup") throws(SamplingError) -> CgroupHierarchy {
        func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
        if exists("\(root)/cgroup.controllers") { return .v2(root: root) }
        func first(_ names: [String], containing file: String) -> String? {
            names.map { "\(root)/\($0)" }.first { exists("\($0)/\(file)") }
        }
        let directories = CgroupV1Directories(
            memory: first(["memory"], containing: "memory.usage_in_bytes"),
            cpuacct: first(["cpuacct", "cpu,cpuacct", "cpuacct,cpu"], containing: "cpuacct.usage"),
            cpu: first(["cpu", "cpu,cpuacct", "cpuacct,cpu"], containing: "cpu.cfs_period_us"),
            blkio: first(["blkio"], containing: "blkio.throttle.io_service_bytes"),
            unified: exists("\(root)/unified/cgroup.controllers") ? "\(root)/unified" : nil)
        guard directories.memory != nil || directories.cpuacct != nil || directories.blkio != nil else {
            throw .noCgroupHierarchy(root: root)
        }
        return .v1(directories)
    }
}

/// The mount directory of each v1 controller the agent reads; `nil` when not mounted.
public struct CgroupV1Directories: Sendable, Hashable {
    public var memory: String?
    public var cpuacct: String?
    public var cpu: String?
    public var blkio: String?
    /// The controller-less v2 tree of a hybrid machine.
    public var unified: String?

    public init(memory: String?, cpuacct: String?, cpu: String?, blkio: String?, unified: String? = nil) {
        self.memory = memory
        self.cpuacct = cpuacct
        self.cpu = cpu
        self.blkio = blkio
        self.unified = unified
    }
}
