import Foundation

/// Local POPs on cgroup v2 (one unified tree under `root`). Each ancestor of a workload's
/// cgroup enables the `cpu` and `memory` controllers for its children
/// (`cgroup.subtree_control`: processes live only in leaves, the "no internal processes"
/// rule). Limits: `memory.max` (and `memory.swap.max` = 0 when it exists: no escape into
/// swap), `cpu.max` "QUOTA PERIOD" or "max PERIOD". OOM kills: `memory.events` `oom_kill`.
/// Removal uses `cgroup.kill` (Linux ≥ 5.14) when present, else SIGKILL per pid.
public struct CgroupV2Runtime: POPRuntime {
    public let root: String
    public let prefix: String
    public let launcherPath: String
    public let files: CgroupFiles

    public init(root: String, prefix: String, launcherPath: String, files: CgroupFiles = CgroupFiles()) {
        self.root = root
        self.prefix = prefix
        self.launcherPath = launcherPath
        self.files = files
    }

    public var reader: CgroupReader { CgroupReader(hierarchy: .v2(root: root)) }

    private func path(_ cgroup: String) -> String { cgroup.isEmpty ? root : "\(root)/\(cgroup)" }

    public func create(cgroup: String, limits: ResourceLimits) throws(RuntimeError) {
        var current = root
        for component in cgroup.split(separator: "/") {
            try files.write("+cpu +memory", to: "\(current)/cgroup.subtree_control")
            current += "/\(component)"
            try files.makeDirectory(current)
        }
        try resize(cgroup: cgroup, limits: limits)
    }

    public func resize(cgroup: String, limits: ResourceLimits) throws(RuntimeError) {
        let base = path(cgroup)
        try files.write(limits.memoryBytes.map(String.init) ?? "max", to: "\(base)/memory.max")
        if files.exists("\(base)/memory.swap.max") { try files.write("0", to: "\(base)/memory.swap.max") }
        let period = ResourceLimits.cfsPeriodMicroseconds
        try files.write("\(limits.cpuQuotaMicroseconds.map(String.init) ?? "max") \(period)", to: "\(base)/cpu.max")
    }

    public func limits(cgroup: String) -> ResourceLimits {
        var limits = ResourceLimits.unlimited
        let base = path(cgroup)
        if let text = files.read("\(base)/memory.max"), let bytes = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            limits.memoryBytes = bytes
        }
        if let fields = files.read("\(base)/cpu.max")?.split(whereSeparator: \.isWhitespace), fields.count == 2,
           let quota = Double(fields[0]), let period = Double(fields[1]), period > 0 {
            limits.cpuCores = quota / period
        }
        return limits
    }

    public func launch(_ request: LaunchRequest) throws(RuntimeError) -> LaunchedProcess {
        try ProcessSpawner.spawn(request.launcherArguments(launcher: launcherPath, procsFiles: ["\(path(request.cgroup))/cgroup.procs"]),
                                 environment: request.environment, logPath: request.logPath)
    }

    public func processes(cgroup: String) -> [Int32] { files.pids("\(path(cgroup))/cgroup.procs") }

    public func oomKills(cgroup: String) -> UInt64 {
        (try? reader.counters(cgroup: cgroup).oomKills ?? 0) ?? 0
    }

    public func destroy(cgroup: String) throws(RuntimeError) {
        let base = path(cgroup)
        guard files.exists(base) else { return }
        if !files.plainFiles, files.exists("\(base)/cgroup.kill") { try? files.write("1", to: "\(base)/cgroup.kill") }
        try files.killAll(under: base)
        try files.removeTree(base)
    }
}
