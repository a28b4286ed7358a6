#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A C error number from a failed system call.
struct Errno: Error {
    let code: Int32
}

/// A per-process file kept open between samples.
struct ProcessFileKey: Hashable {
    enum File: UInt8 { case stat, io, schedstat, statm, networkDevices }
    let pid: Int32
    let file: File
}

/// Reads small files whole into one reusable buffer, so sampling hundreds of /proc files
/// a second allocates nothing per file.
///
/// The per-process files read every sample (`stat`, `io`) are kept open and re-read with
/// `pread` at offset 0: that saves the path walk of `open` and the `close`, most of the
/// kernel time per file. A descriptor stays bound to the process it was opened for: once
/// that process is reaped, reading it fails with `ESRCH` even if the pid is reused, so a
/// stale descriptor is closed and the file opened afresh once. `closeUnused()` closes the
/// descriptors not read since its previous call (processes that left the sample).
///
/// Not thread-safe: one reader per sampling task.
final class FileBytesReader {
    private var buffer: UnsafeMutableRawBufferPointer
    private var descriptors: [ProcessFileKey: (fd: Int32, used: Bool)] = [:]
    /// At most this many descriptors are kept; beyond it files are opened per read.
    let maximumOpenDescriptors: Int

    /// `initialCapacityBytes` covers every per-process /proc file; the buffer doubles
    /// when a file (a long `cgroup.procs`, `net/dev` with many interfaces) does not fit.
    init(initialCapacityBytes: Int = 8192, maximumOpenDescriptors: Int = 4096) {
        buffer = .allocate(byteCount: initialCapacityBytes, alignment: 16)
        self.maximumOpenDescriptors = maximumOpenDescriptors
    }

    deinit {
        for (_, entry) in descriptors { close(entry.fd) }
        buffer.deallocate()
    }

    /// The number of descriptors held open.
    var openDescriptorCount: Int { descriptors.count }

    /// Whether the last keyed `read(_:path:)` opened its descriptor (first read, a reaped
    /// process's descriptor replaced, or past `maximumOpenDescriptors`) rather than re-reading
    /// a kept one. A kept descriptor is bound to one process; an opened one may belong to a
    /// new process that reused the pid.
    private(set) var lastReadOpened = false

    /// Like `read(_:)`, through a descriptor kept open under `key`.
    ///
    /// /proc files are seq_files, whose `read` returns as much as fits in the buffer, so a
    /// `pread` that does not fill the buffer has the whole file; one that fills it is
    /// retried with a buffer twice as large.
    func read(_ key: ProcessFileKey, path: @autoclosure () -> String) -> Result<UnsafeBufferPointer<UInt8>, Errno> {
        var fresh = false
        var fd: Int32
        defer { lastReadOpened = fresh }
        if let index = descriptors.index(forKey: key) {
            // One hash per read: mark it used through the index.
            fd = descriptors.values[index].fd
            descriptors.values[index].used = true
        } else {
            guard descriptors.count < maximumOpenDescriptors else {
                fresh = true
                return read(path())
            }
            fd = open(path(), O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return .failure(Errno(code: errno)) }
            fresh = true
            descriptors[key] = (fd, true)
        }
        while true {
            let n = pread(fd, buffer.baseAddress!, buffer.count, 0)
            if n >= 0 && n < buffer.count {
                return .success(UnsafeBufferPointer(start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n))
            }
            if n == buffer.count {
                grow()
                continue
            }
            let code = errno
            if code == EINTR { continue }
            close(fd)
            descriptors[key] = nil
            // A descriptor of a reaped process: the pid may belong to a new process now.
            guard !fresh, code == ESRCH else { return .failure(Errno(code: code)) }
            fd = open(path(), O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return .failure(Errno(code: errno)) }
            descriptors[key] = (fd, true)
            fresh = true
        }
    }

    /// Marks the kept descriptor of `key` (if any) as used without reading it, so
    /// `closeUnused()` keeps it open (and bound to its process).
    func keep(_ key: ProcessFileKey) {
        if let index = descriptors.index(forKey: key) { descriptors.values[index].used = true }
    }

    /// Closes the kept descriptors not read since the previous call.
    func closeUnused() {
        var unused: [ProcessFileKey] = []
        var index = descriptors.values.startIndex
        while index != descriptors.values.endIndex {
            if descriptors.values[index].used { descriptors.values[index].used = false } else { unused.append(descriptors.keys[index]) }
            descriptors.values.formIndex(after: &index)
        }
        for key in unused {
            if let entry = descriptors.removeValue(forKey: key) { close(entry.fd) }
        }
    }

    private func grow() {
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
        bigger.copyMemory(from: UnsafeRawBufferPointer(buffer))
        buffer.deallocate()
        buffer = bigger
    }

    /// The bytes of the file at `path` (valid until the next call), or the `errno` of the
    /// failing `open` or `read`. Reads until `read` returns 0, retrying on `EINTR`.
    func read(_ path: String) -> Result<UnsafeBufferPointer<UInt8>, Errno> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Errno(code: errno)) }
        defer { close(fd) }
        var count = 0
        while true {
            if count == buffer.count { grow() }
            let n = Glibc.read(fd, buffer.baseAddress! + count, buffer.count - count)
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(Errno(code: errno))
            }
            if n == 0 { break }
            count += n
        }
        let bytes = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        return .success(UnsafeBufferPointer(start: bytes, count: count))
    }

    /// `readlink(2)`: the target of the symbolic link at `path`, or the `errno`.
    func readLink(_ path: String) -> Result<String, Errno> {
        var target = [CChar](repeating: 0, count: 256)
        let n = readlink(path, &target, target.count - 1)
        guard n >= 0 else { return .failure(Errno(code: errno)) }
        return .success(String(decoding: target[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// The decimal entries of directory `path` (the pids of a /proc), or the `errno`.
    func numericEntries(_ path: String) -> Result<[Int32], Errno> {
        guard let dir = opendir(path) else { return .failure(Errno(code: errno)) }
        defer { closedir(dir) }
        var result: [Int32] = []
        result.reserveCapacity(512)
        while let entry = readdir(dir) {
            let pid: Int32? = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                var value: Int32 = 0
                var sawDigit = false
                for byte in raw {
                    if byte == 0 { break }
                    let digit = byte &- UInt8(ascii: "0")
                    guard digit < 10, value < Int32.max / 10 else { return nil }
                    value = value * 10 + Int32(digit)
                    sawDigit = true
                }
                return sawDigit ? value : nil
            }
            if let pid { result.append(pid) }
        }
        return .success(result)
    }

    /// True when `path` exists (any file type).
    func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}
