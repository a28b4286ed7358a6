#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A C error number from a failed system call.
struct Errno: Error {
    let code: Int32
}

/// Reads small files whole with `open`/`read`/`close` into one reusable buffer, so
/// sampling hundreds of /proc files a second allocates nothing per file.
///
/// Not thread-safe: one reader per sampling task.
final class FileBytesReader {
    private var buffer: UnsafeMutableRawBufferPointer

    /// `initialCapacityBytes` covers every per-process /proc file; the buffer doubles
    /// when a file (a long `cgroup.procs`, `net/dev` with many interfaces) does not fit.
    init(initialCapacityBytes: Int = 8192) {
        buffer = .allocate(byteCount: initialCapacityBytes, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// The bytes of the file at `path` (valid until the next call), or the `errno` of the
    /// failing `open` or `read`. Reads until `read` returns 0, retrying on `EINTR`.
    func read(_ path: String) -> Result<UnsafeBufferPointer<UInt8>, Errno> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Errno(code: errno)) }
        defer { close(fd) }
        var count = 0
        while true {
            if count == buffer.count {
                let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
                bigger.copyMemory(from: UnsafeRawBufferPointer(buffer))
                buffer.deallocate()
                buffer = bigger
            }
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
