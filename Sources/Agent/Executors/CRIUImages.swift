import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One CRIU move's image directories at one POP:
/// `<state>/pops/<pop>/criu/<workload>/<command id>/` holding `1/`, `2/`, … (the pre-dumps)
/// and `final/` (the dump, whose `parent` symlink CRIU points at `../N`). The same layout at
/// source and target keeps those relative links valid after a copy. A directory per command
/// means a replayed command starts afresh instead of mixing with a half-done attempt.
public struct CRIUImages: Sendable, Equatable {
    public var root: String

    public init(root: String) { self.root = root }

    public init(stateDirectory: String, pop: String, workload: String, command: Int64) {
        root = "\(stateDirectory)/pops/\(pop)/criu/\(workload)/\(command)"
    }

    /// `1`, `2`, … for pre-dump `n`; `final` for the dump.
    public static func name(preDump n: Int) -> String { "\(n)" }
    public static let finalName = "final"

    public func path(_ name: String) -> String { "\(root)/\(name)" }

    /// The files a dump of `pid` cannot be restored without (criu(8) image names); the ones
    /// of them missing under `directory`.
    public static func missingImages(in directory: String, pid: Int32) -> [String] {
        ["inventory.img", "pstree.img", "core-\(pid).img"].filter { !FileManager.default.fileExists(atPath: "\(directory)/\($0)") }
    }

    /// Bytes of memory pages in a (pre-)dump: the sum of its `pages-*.img` files, i.e. the
    /// pages dirtied since the previous iteration (all resident pages for the first).
    public static func pageBytes(in directory: String) -> Int64 {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("pages-") && $0.hasSuffix(".img") }.reduce(0) { total, name in
            var info = stat()
            return stat("\(directory)/\(name)", &info) == 0 ? total + Int64(info.st_size) : total
        }
    }

    /// Copies the image directory `name` to the same name under `destination`'s root:
    /// into `name.tmp-<pid>`, each file `fsync`ed, symlinks (`parent`) kept as links, then
    /// renamed into place (an old copy is removed first), so the target never sees half a
    /// dump. Returns the bytes copied.
    public func copy(_ name: String, to destination: CRIUImages) throws -> Int64 {
        let manager = FileManager.default
        try manager.createDirectory(atPath: destination.root, withIntermediateDirectories: true)
        let final = destination.path(name)
        let temporary = "\(final).tmp-\(getpid())"
        try? manager.removeItem(atPath: temporary)
        try manager.createDirectory(atPath: temporary, withIntermediateDirectories: false)
        var bytes: Int64 = 0
        for entry in try manager.contentsOfDirectory(atPath: path(name)).sorted() {
            let from = "\(path(name))/\(entry)", to = "\(temporary)/\(entry)"
            if let link = try? manager.destinationOfSymbolicLink(atPath: from) {
                try manager.createSymbolicLink(atPath: to, withDestinationPath: link)
            } else {
                bytes += try Self.copyFile(from, to)
            }
        }
        try? manager.removeItem(atPath: final)
        guard rename(temporary, final) == 0 else { throw CRIUImagesError.rename(from: temporary, to: final, errno: errno) }
        let fd = open(destination.root, O_RDONLY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
        return bytes
    }

    /// Copies one regular file with read/write in 1 MiB chunks and `fsync`s it.
    static func copyFile(_ from: String, _ to: String) throws -> Int64 {
        let input = open(from, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw CRIUImagesError.open(path: from, errno: errno) }
        defer { close(input) }
        let output = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw CRIUImagesError.open(path: to, errno: errno) }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var total: Int64 = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw CRIUImagesError.read(path: from, errno: errno) }
            if n == 0 { break }
            let written = buffer.withUnsafeBytes { write(output, $0.baseAddress, n) }
            guard written == n else { throw CRIUImagesError.write(path: to, errno: errno) }
            total += Int64(n)
        }
        guard fsync(output) == 0 else { throw CRIUImagesError.write(path: to, errno: errno) }
        return total
    }
}

/// A copy of CRIU images that failed; the message names the file.
public enum CRIUImagesError: Error, CustomStringConvertible {
    case open(path: String, errno: Int32)
    case read(path: String, errno: Int32)
    case write(path: String, errno: Int32)
    case rename(from: String, to: String, errno: Int32)

    public var description: String {
        switch self {
        case let .open(path, e): "cannot open \(path): \(String(cString: strerror(e)))"
        case let .read(path, e): "cannot read \(path): \(String(cString: strerror(e)))"
        case let .write(path, e): "cannot write \(path): \(String(cString: strerror(e)))"
        case let .rename(from, to, e): "cannot rename \(from) to \(to): \(String(cString: strerror(e)))"
        }
    }
}
