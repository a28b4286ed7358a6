import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Local POPs on cgroup v1: one directory per controller (memory, cpu, cpuacct; a
/// co-mounted `cpu,cpuacct` counts once). Limits: `memory.limit_in_bytes` (and
/// `memory.memsw.limit_in_bytes` at the same value when swap accounting exists, so a
/// workload cannot escape its limit into swap), `cpu.cfs_period_us` / `cpu.cfs_quota_us`.
/// A child's quota may not exceed its parent's (the kernel answers `EINVAL`).
public struct CgroupV1Runtime: POPRuntime {
    public let directories: CgroupV1Directories
    public let prefix: String
    public let launcherPath: String
    public let files: CgroupFiles
    /// The distinct controller directories a cgroup is created in (memory first).
    public let controllerDirectories: [String]

    public init(directories: CgroupV1Directories, prefix: String, launcherPath: String, files: CgroupFiles = CgroupFiles()) throws(RuntimeError) {
        guard let memory = directories.memory, let cpu = directories.cpu else {
            throw .unsupportedHierarchy("cgroup v1 without the memory and cpu controllers mounted (memory: \(directories.memory ?? "none"), cpu: \(directories.cpu ?? "none"))")
        }
        self.directories = directories
        self.prefix = prefix
        self.launcherPath = launcherPath
        self.files = files
        var seen: Set<String> = []
        var out: [String] = []
        for directory in [memory, cpu, directories.cpuacct].compactMap({ $0 }) {
            let real = (directory as NSString).resolvingSymlinksInPath
            if seen.insert(real).inserted { out.append(directory) }
        }
        controllerDirectories = out
    }

    public var reader: CgroupReader { CgroupReader(hierarchy: .v1(directories)) }

    private func path(_ controller: String, _ cgroup: String) -> String { "\(controller)/\(cgroup)" }

    public func create(cgroup: String, limits: ResourceLimits) throws(RuntimeError) {
        let components = cgroup.split(separator: "/")
        for controller in controllerDirectories {
            var current = controller
            for component in components {
                current += "/\(component)"
                try files.makeDirectory(current)
            }
        }
        try resize(cgroup: cgroup, limits: limits)
    }

    public func resize(cgroup: String, limits: ResourceLimits) throws(RuntimeError) {
        if let memory = directories.memory {
            let base = path(memory, cgroup)
            let value = limits.memoryBytes.map(String.init) ?? "-1"
            let memsw = "\(base)/memory.memsw.limit_in_bytes"
            if files.exists(memsw) {
                // memsw ≥ limit at every moment: raise memsw first, lower it last.
                let current = Int64((files.read("\(base)/memory.limit_in_bytes") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? Int64.max
                let target = limits.memoryBytes ?? Int64.max
                if target >= current {
                    try files.write(value, to: memsw)
                    try files.write(value, to: "\(base)/memory.limit_in_bytes")
                } else {
                    try files.write(value, to: "\(base)/memory.limit_in_bytes")
                    try files.write(value, to: memsw)
                }
            } else {
                try files.write(value, to: "\(base)/memory.limit_in_bytes")
            }
        }
        if let cpu = directories.cpu {
            let base = path(cpu, cgroup)
            try files.write(String(ResourceLimits.cfsPeriodMicroseconds), to: "\(base)/cpu.cfs_period_us")
            try files.write(limits.cpuQuotaMicroseconds.map(String.init) ?? "-1", to: "\(base)/cpu.cfs_quota_us")
        }
    }

    public func limits(cgroup: String) -> ResourceLimits {
        var limits = ResourceLimits.unlimited
        func number(_ file: String) -> Int64? { files.read(file).flatMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) } }
        if let memory = directories.memory, let bytes = number("\(path(memory, cgroup))/memory.limit_in_bytes"), bytes < Int64.max / 2 {
            limits.memoryBytes = bytes
        }
        if let cpu = directories.cpu, let quota = number("\(path(cpu, cgroup))/cpu.cfs_quota_us"), quota > 0,
           let period = number("\(path(cpu, cgroup))/cpu.cfs_period_us"), period > 0 {
            limits.cpuCores = Double(quota) / Double(period)
        }
        return limits
    }

    public func launch(_ request: LaunchRequest) throws(RuntimeError) -> LaunchedProcess {
        let procs = controllerDirectories.map { "\(path($0, request.cgroup))/cgroup.procs" }
        return try ProcessSpawner.spawn(request.launcherArguments(launcher: launcherPath, procsFiles: procs),
                                        environment: request.environment, logPath: request.logPath)
    }

    public func processes(cgroup: String) -> [Int32] {
        files.pids("\(path(controllerDirectories[0], cgroup))/cgroup.procs")
    }

    public func oomKills(cgroup: String) -> UInt64 {
        (try? reader.counters(cgroup: cgroup).oomKills ?? 0) ?? 0
    }

    /// Every controller is attempted even when one fails (the first error is thrown after),
    /// so one busy directory does not leave the others behind.
    public func destroy(cgroup: String) throws(RuntimeError) {
        var firstError: RuntimeError?
        for controller in controllerDirectories {
            do { try files.killAll(under: path(controller, cgroup)) } catch { firstError = firstError ?? error }
        }
        for controller in controllerDirectories {
            do { try files.removeTree(path(controller, cgroup)) } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }
}
