#if canImport(Glibc)
import Glibc
#endif

/// Which managed workload a process belongs to, from the cgroups it is in
/// (`/proc/<pid>/cgroup`): the agent launches every workload, and every part of a
/// partitioned one, into its own cgroup `<prefix>/<pop>/<workload>` (parts:
/// `<workload>.part<k>`) *before exec*, and children inherit it. So any process of the
/// workload — the main one, a child, a double-forked helper, the process restarted at
/// another POP after a move — maps to it, and nothing else does; a recycled pid cannot be
/// mistaken for the workload once it left the cgroup. (A process-tree walk would miss
/// reparented daemons and race with exits.)
///
/// Thread-safe: it holds only immutable configuration (the trace server's thread calls
/// it once per connection).
public struct WorkloadAttribution: Sendable {
    /// The agent's cgroup prefix (`headroom`), without slashes at either end.
    public let prefix: String
    public let pops: Set<String>
    public let workloads: Set<String>
    /// `/proc`, or a copy of one for tests.
    public let procRoot: String

    public init(prefix: String, pops: Set<String>, workloads: Set<String>, procRoot: String = "/proc") {
        self.prefix = prefix.split(separator: "/").joined(separator: "/")
        self.pops = pops
        self.workloads = workloads
        self.procRoot = procRoot
    }

    /// The workload whose cgroup `path` is (or is below), or nil. `path` is as
    /// `/proc/<pid>/cgroup` writes it (`/headroom/a/agg`) or as the runtime names it
    /// (`headroom/a/agg.part1`).
    public func workload(cgroupPath path: String) -> String? {
        let components = path.split(separator: "/")
        let prefixComponents = prefix.split(separator: "/")
        guard components.count >= prefixComponents.count + 2,
              components.starts(with: prefixComponents),
              pops.contains(String(components[prefixComponents.count])) else { return nil }
        var name = Substring(components[prefixComponents.count + 1])
        if !workloads.contains(String(name)), let dot = name.lastIndex(of: "."),
           name[name.index(after: dot)...].hasPrefix("part"), Int(name[name.index(dot, offsetBy: 5)...]) != nil {
            name = name[..<dot]
        }
        return workloads.contains(String(name)) ? String(name) : nil
    }

    /// The workload process `pid` belongs to, or nil (not in a managed cgroup, exited, or
    /// its cgroup file unreadable).
    public func workload(pid: Int32) -> String? {
        guard let text = readSmallFile("\(procRoot)/\(pid)/cgroup"),
              let membership = try? ProcessCgroupMembership(parsing: text) else { return nil }
        for entry in membership.entries {
            if let name = workload(cgroupPath: entry.path) { return name }
        }
        return nil
    }

    /// The file's text (up to 64 KiB), or nil when it cannot be read.
    private func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 65536)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            count += n
        }
        return String(decoding: bytes[0..<count], as: UTF8.self)
    }
}
