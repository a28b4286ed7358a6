import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The file operations both cgroup runtimes share: directories, writing a value into a
/// control file, reading one back, killing a cgroup's processes and removing a subtree.
///
/// On a real cgroup filesystem a directory comes with its control files and `rmdir` removes
/// it with them. A fixture tree (a plain directory the v2 tests point the runtime at) has
/// regular files instead: with `plainFiles` the writes create them and removal deletes them.
public struct CgroupFiles: Sendable {
    public var plainFiles: Bool

    public init(plainFiles: Bool = false) { self.plainFiles = plainFiles }

    public func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// `mkdir`, an existing directory being fine.
    public func makeDirectory(_ path: String) throws(RuntimeError) {
        if mkdir(path, 0o755) != 0, errno != EEXIST { throw .cgroupFile(operation: "create", path: path, errno: errno) }
    }

    /// Writes `value` (a newline is added) into the control file `path` in one `write(2)`,
    /// as the kernel expects.
    public func write(_ value: String, to path: String) throws(RuntimeError) {
        let flags = plainFiles ? (O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC) : (O_WRONLY | O_CLOEXEC)
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw .cgroupFile(operation: "open for writing", path: path, errno: errno) }
        defer { close(fd) }
        let line = value + "\n"
        let written = line.withCString { Glibc.write(fd, $0, strlen($0)) }
        guard written == line.utf8.count else { throw .cgroupFile(operation: "write \"\(value)\" to", path: path, errno: errno) }
    }

    /// The file's text, nil when it does not exist.
    public func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The pids listed in a `cgroup.procs` file (none when it is missing).
    public func pids(_ procsFile: String) -> [Int32] {
        (read(procsFile) ?? "").split(whereSeparator: \.isNewline).compactMap { Int32($0) }
    }

    /// SIGKILLs every process in the cgroup directory `directory` and its descendants, and
    /// waits (up to `timeoutSeconds`) until none is left; a process forking while it is
    /// being killed is caught on the next round.
    public func killAll(under directory: String, timeoutSeconds: Double = 5) throws(RuntimeError) {
        let deadline = MonotonicClock.seconds() + timeoutSeconds
        while true {
            let pids = subtree(directory).flatMap { self.pids("\($0)/cgroup.procs") }
            if pids.isEmpty || plainFiles { return }
            for pid in pids { kill(pid, SIGKILL) }
            if MonotonicClock.seconds() > deadline { throw .processesRemain(cgroup: directory, pids: pids) }
            usleep(10_000)
        }
    }

    /// `directory` and every directory below it, deepest first.
    public func subtree(_ directory: String) -> [String] {
        guard exists(directory) else { return [] }
        var out: [String] = []
        let children = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for child in children.sorted() {
            let path = "\(directory)/\(child)"
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                out += subtree(path)
            }
        }
        out.append(directory)
        return out
    }

    /// Removes `directory` and its sub-cgroups, deepest first (their processes must be gone).
    /// A missing directory is fine. The kernel may report `EBUSY` for a moment after the
    /// last process exits; that is retried for up to three seconds.
    public func removeTree(_ directory: String) throws(RuntimeError) {
        for path in subtree(directory) {
            if plainFiles {
                for file in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                    var isDirectory: ObjCBool = false
                    if FileManager.default.fileExists(atPath: "\(path)/\(file)", isDirectory: &isDirectory), !isDirectory.boolValue {
                        unlink("\(path)/\(file)")
                    }
                }
            }
            var attempts = 0
            while rmdir(path) != 0 {
                let code = errno
                if code == ENOENT { break }
                attempts += 1
                guard code == EBUSY, attempts < 300 else { throw .cgroupFile(operation: "remove", path: path, errno: code) }
                usleep(10_000)
            }
        }
    }
}
