import Foundation

/// What several test targets need to drive the package's executables as real child
/// processes: where the repository is, where a built product is, running one and
/// capturing its output, scratch directories, and the bundled Bitbrains VMs.
public enum TestProcess {
    /// The repository root (this file is Tests/HeadroomTestSupport/BuiltExecutables.swift).
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public struct NotBuilt: Error, CustomStringConvertible {
        public var description: String
    }

    /// The built executable `name` next to the test bundle (any configuration or scratch
    /// path), else in `.build/debug`.
    public static func executable(_ name: String) throws -> String {
        var directory = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        let fallback = repositoryRoot.appendingPathComponent(".build/debug/\(name)").path
        guard FileManager.default.isExecutableFile(atPath: fallback) else {
            throw NotBuilt(description: "\(name) not built; run `swift build` first")
        }
        return fallback
    }

    /// Runs `name` with `arguments` (an argument vector, no shell) to completion.
    public static func run(_ name: String, _ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable(name))
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// A fresh directory under the temporary directory, removed when the test process exits
    /// (a caller may remove it sooner). Every service test copies a store into one, and a run
    /// of the suite used to leave a few hundred behind (8.7 GB on this machine after a week).
    public static func temporaryDirectory(prefix: String = "headroom-test") -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        MadeDirectories.shared.add(url.path)
        return url
    }

    /// Extracts the bundled Bitbrains VMs `ids` (both months) into `directory`, as
    /// `bitbrains-rnd/2013-{7,8}/<id>.csv`.
    public static func extractBitbrains(_ ids: [Int], into directory: URL) throws {
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/bin/tar")
        tar.arguments = ["-I", "zstd", "-xf", repositoryRoot.appendingPathComponent("datasets/bitbrains-rnd-40vms-2013-07-08.tar.zst").path,
                         "-C", directory.path] + ids.flatMap { ["bitbrains-rnd/2013-7/\($0).csv", "bitbrains-rnd/2013-8/\($0).csv"] }
        try tar.run()
        tar.waitUntilExit()
        guard tar.terminationStatus == 0 else {
            throw NotBuilt(description: "tar could not extract VMs \(ids) from \(repositoryRoot.path)/datasets (zstd installed?)")
        }
    }
}

extension TestProcess {
    /// A loopback TCP port free now (a socket bound to port 0, its port read, closed): for a
    /// server a test starts, instead of a random number that may be taken.
    public static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// The directories `TestProcess.temporaryDirectory` made in this process, removed at exit.
final class MadeDirectories: @unchecked Sendable {
    static let shared: MadeDirectories = {
        let made = MadeDirectories()
        atexit { MadeDirectories.shared.removeAll() }
        return made
    }()

    private let lock = NSLock()
    private var paths: [String] = []

    func add(_ path: String) {
        lock.lock(); defer { lock.unlock() }
        paths.append(path)
    }

    func removeAll() {
        lock.lock(); defer { lock.unlock() }
        for path in paths { try? FileManager.default.removeItem(atPath: path) }
        paths = []
    }
}
