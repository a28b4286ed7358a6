/// A local POP's execution backend (DESIGN.md, scale-out path): cgroups to create, launch
/// into, resize, list and remove. `CgroupV1Runtime` and `CgroupV2Runtime` share
/// `CgroupFiles`; a Kubernetes or SSH backend would be another conformance.
///
/// It is the only way the agent acts on a POP: the executors call `create`, `launch`,
/// `resize` and `destroy` (checkpoints are the workload's signal or `criu` started through
/// `launch`; a VM's move is QMP to the QEMU `launch` started), `LocalFleet` adds `oomKills`,
/// the run loop samples through `reader`; `limits` and `processes` read a cgroup back.
/// Keeping it this small is what lets the executors' decisions be tested without root
/// against an in-memory conformance (`RecordingRuntime` in the tests).
///
/// Cgroup paths are relative to the controller mounts, as in `/proc/<pid>/cgroup`:
/// POP `a` is `<prefix>/a`, its workload `w` is `<prefix>/a/w`.
public protocol POPRuntime: Sendable {
    /// The cgroup everything is created under (`headroom`).
    var prefix: String { get }
    /// A reader over the same hierarchy, for sampling.
    var reader: CgroupReader { get }
    /// Creates `cgroup` (and any missing ancestor, unlimited) with `limits`; an existing
    /// cgroup is adopted and its limits rewritten.
    func create(cgroup: String, limits: ResourceLimits) throws(RuntimeError)
    /// Starts `request.argv` inside `request.cgroup` (joined before exec, see `headroom-launch`).
    func launch(_ request: LaunchRequest) throws(RuntimeError) -> LaunchedProcess
    /// Rewrites the cgroup's limits (idempotent).
    func resize(cgroup: String, limits: ResourceLimits) throws(RuntimeError)
    /// The limits the cgroup has now, read back from its files.
    func limits(cgroup: String) -> ResourceLimits
    /// The pids in the cgroup itself.
    func processes(cgroup: String) -> [Int32]
    /// Processes the kernel's OOM killer has killed in the cgroup (0 when unknown).
    func oomKills(cgroup: String) -> UInt64
    /// SIGKILLs everything in the cgroup and its descendants and removes them all; a
    /// missing cgroup is fine.
    func destroy(cgroup: String) throws(RuntimeError)
}

extension POPRuntime {
    public func popCgroup(_ pop: String) -> String { "\(prefix)/\(pop)" }
    public func workloadCgroup(pop: String, workload: String) -> String { "\(prefix)/\(pop)/\(workload)" }

    /// Removes whatever a previous (crashed) run left under the prefix.
    public func removeLeftovers() throws(RuntimeError) { try destroy(cgroup: prefix) }
}

/// What to start, where.
public struct LaunchRequest: Sendable {
    public var argv: [String]
    /// The whole environment of the child.
    public var environment: [String: String]
    public var cgroup: String
    /// A network namespace file (`/run/netns/NAME`) to enter, or nil.
    public var networkNamespacePath: String?
    /// Where its stdout and stderr go (appended), or nil for /dev/null.
    public var logPath: String?
    /// False to stay in the agent's cgroups (`cgroup` is then ignored): for a program that
    /// must only enter a POP's network namespace, such as `criu dump` of a workload there.
    public var joinsCgroup: Bool

    public init(argv: [String], environment: [String: String], cgroup: String, networkNamespacePath: String? = nil, logPath: String? = nil,
                joinsCgroup: Bool = true) {
        self.argv = argv
        self.environment = environment
        self.cgroup = cgroup
        self.networkNamespacePath = networkNamespacePath
        self.logPath = logPath
        self.joinsCgroup = joinsCgroup
    }

    /// The helper's argument vector: `launcher --cgroup-procs F… [--netns N] -- argv…`.
    func launcherArguments(launcher: String, procsFiles: [String]) -> [String] {
        var out = [launcher]
        for file in procsFiles where joinsCgroup { out += ["--cgroup-procs", file] }
        if let networkNamespacePath { out += ["--netns", networkNamespacePath] }
        return out + ["--"] + argv
    }
}

/// The runtime for the machine's hierarchy (v1 or v2) under `root`.
public enum LocalRuntime {
    public static func detect(root: String = "/sys/fs/cgroup", prefix: String, launcherPath: String) throws(RuntimeError) -> any POPRuntime {
        let hierarchy: CgroupHierarchy
        do { hierarchy = try CgroupHierarchy.detect(root: root) } catch { throw .unsupportedHierarchy(error.description) }
        switch hierarchy {
        case let .v1(directories): return try CgroupV1Runtime(directories: directories, prefix: prefix, launcherPath: launcherPath)
        case let .v2(root): return CgroupV2Runtime(root: root, prefix: prefix, launcherPath: launcherPath)
        }
    }
}
