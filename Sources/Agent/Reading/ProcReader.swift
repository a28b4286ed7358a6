#if canImport(Glibc)
import Glibc
#endif

/// Opens and parses files under a /proc tree: the real `/proc`, or a fixture directory
/// laid out the same way (`<root>/<pid>/stat`, `<root>/stat`, …).
///
/// A per-process file that vanishes (`ENOENT`, or `ESRCH` from a process reaped after the
/// open) throws `SamplingError.processGone(pid:)`, which process-tree sampling treats as
/// "this process exited": it is skipped, never an error. Not thread-safe (one read buffer).
public struct ProcReader {
    /// The directory standing for `/proc`.
    public let root: String
    /// `sysconf(_SC_CLK_TCK)`: the unit of `ProcessStat`'s tick fields (100 on Linux).
    public let clockTicksPerSecond: Double
    /// `sysconf(_SC_PAGESIZE)`: the unit of `ProcessStat.residentPages`.
    public let pageSizeBytes: Int
    private let files: FileBytesReader

    public init(
        root: String = "/proc",
        clockTicksPerSecond: Double = Double(sysconf(Int32(_SC_CLK_TCK))),
        pageSizeBytes: Int = sysconf(Int32(_SC_PAGESIZE))
    ) {
        precondition(clockTicksPerSecond > 0 && pageSizeBytes > 0, "clock ticks and page size must be positive")
        self.root = root
        self.clockTicksPerSecond = clockTicksPerSecond
        self.pageSizeBytes = pageSizeBytes
        self.files = FileBytesReader()
    }

    /// `<root>/<pid>/stat`, through a descriptor kept open between calls (see
    /// `finishSample()`).
    public func stat(pid: Int32) throws(SamplingError) -> ProcessStat {
        try readProcessFile(pid, .stat, name: "stat") { (t) throws(SamplingError) in try ProcessStat(t) }
    }

    public func status(pid: Int32) throws(SamplingError) -> ProcessStatus {
        try readProcessFile(pid, "status") { (t) throws(SamplingError) in try ProcessStatus(t) }
    }

    /// `<root>/<pid>/io`, through a descriptor kept open between calls.
    public func io(pid: Int32) throws(SamplingError) -> ProcessIO {
        try readProcessFile(pid, .io, name: "io") { (t) throws(SamplingError) in try ProcessIO(t) }
    }

    /// `<root>/<pid>/schedstat` through a kept descriptor, and whether this call opened it
    /// (then the process may be a new one with the same pid: compare nothing with before).
    public func schedStat(pid: Int32) throws(SamplingError) -> (stat: ProcessSchedStat, opened: Bool) {
        let stat = try readProcessFile(pid, .schedstat, name: "schedstat") { (t) throws(SamplingError) in try ProcessSchedStat(t) }
        return (stat, files.lastReadOpened)
    }

    /// Keeps the `schedstat` descriptor of `pid` open through this sample without reading it.
    func keepSchedStatOpen(pid: Int32) { files.keep(ProcessFileKey(pid: pid, file: .schedstat)) }

    /// `<root>/<pid>/statm` through a kept descriptor.
    public func statm(pid: Int32) throws(SamplingError) -> ProcessStatm {
        try readProcessFile(pid, .statm, name: "statm") { (t) throws(SamplingError) in try ProcessStatm(t) }
    }

    /// Closes the descriptors of `stat` and `io` files not read since the previous call:
    /// call it after each sample so that processes that left keep nothing open.
    public func finishSample() { files.closeUnused() }

    /// Descriptors held open for `stat` and `io` files.
    public var openDescriptorCount: Int { files.openDescriptorCount }

    /// The interfaces of the network namespace `pid` is in (not the process's own traffic).
    /// `keepOpen`: through a descriptor kept open between calls, which stays on the
    /// namespace the process was in when it was opened (as `ProcessTreeSource`'s namespace
    /// cache does); otherwise opened afresh, following a process that changes namespace.
    public func networkDevices(pid: Int32, keepOpen: Bool = false) throws(SamplingError) -> NetworkDeviceCounters {
        if keepOpen {
            return try readProcessFile(pid, .networkDevices, name: "net/dev") { (t) throws(SamplingError) in try NetworkDeviceCounters(t) }
        }
        return try readProcessFile(pid, "net/dev") { (t) throws(SamplingError) in try NetworkDeviceCounters(t) }
    }

    /// The inode number identifying `pid`'s network namespace, from the link
    /// `<root>/<pid>/ns/net` → `net:[4026531840]`; processes sharing it see the same `net/dev`.
    public func networkNamespaceInode(pid: Int32) throws(SamplingError) -> UInt64 {
        let path = "\(root)/\(pid)/ns/net"
        switch files.readLink(path) {
        case let .success(target):
            guard target.hasPrefix("net:["), target.hasSuffix("]"),
                  let inode = UInt64(target.dropFirst(5).dropLast()) else {
                throw .malformed(file: path, line: 1, field: "link target", reason: "\"\(target)\" is not net:[inode]")
            }
            return inode
        case let .failure(error):
            let code = error.code
            if code == ENOENT || code == ESRCH { throw .processGone(pid: pid) }
            throw .unreadable(file: path, errno: code)
        }
    }

    /// The aggregate `cpu` line of `<root>/stat`.
    public func systemCPU() throws(SamplingError) -> SystemCPUStat {
        try readFile("\(root)/stat") { (t) throws(SamplingError) in try SystemCPUStat(t) }
    }

    /// The pids listed in `root` right now (processes may exit as soon as they are listed).
    public func listPIDs() throws(SamplingError) -> [Int32] {
        switch files.numericEntries(root) {
        case let .success(pids): return pids
        case let .failure(error):
            throw .unreadable(file: root, errno: error.code)
        }
    }

    /// The text of `<root>/<pid>/<name>`, for diagnostics and fixtures.
    public func text(pid: Int32, _ name: String) throws(SamplingError) -> String {
        try readProcessFile(pid, name) { (t) throws(SamplingError) in
            String(decoding: t.bytes, as: UTF8.self)
        }
    }

    func readProcessFile<T>(_ pid: Int32, _ name: String, _ parse: (TextBytes) throws(SamplingError) -> T) throws(SamplingError) -> T {
        let path = "\(root)/\(pid)/\(name)"
        switch files.read(path) {
        case let .success(bytes):
            // A process reaped between open and read can leave an empty file behind.
            if bytes.isEmpty && !files.exists("\(root)/\(pid)") { throw .processGone(pid: pid) }
            return try parse(TextBytes(bytes: bytes, file: path))
        case let .failure(error):
            let code = error.code
            if code == ENOENT || code == ESRCH { throw .processGone(pid: pid) }
            throw .unreadable(file: path, errno: code)
        }
    }

    func readProcessFile<T>(
        _ pid: Int32, _ kept: ProcessFileKey.File, name: StaticString, _ parse: (TextBytes) throws(SamplingError) -> T
    ) throws(SamplingError) -> T {
        let file = FileName(root: root, pid: pid, name: name)
        switch files.read(ProcessFileKey(pid: pid, file: kept), path: file.description) {
        case let .success(bytes):
            if bytes.isEmpty && !files.exists("\(root)/\(pid)") { throw .processGone(pid: pid) }
            return try parse(TextBytes(bytes: bytes, file: file))
        case let .failure(error):
            if error.code == ENOENT || error.code == ESRCH { throw .processGone(pid: pid) }
            throw .unreadable(file: file.description, errno: error.code)
        }
    }

    func readFile<T>(_ path: String, _ parse: (TextBytes) throws(SamplingError) -> T) throws(SamplingError) -> T {
        switch files.read(path) {
        case let .success(bytes): return try parse(TextBytes(bytes: bytes, file: path))
        case let .failure(error):
            throw .unreadable(file: path, errno: error.code)
        }
    }
}
