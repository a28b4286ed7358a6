import Foundation

/// A forward-only stream of bytes: a file, a decompressor's output, or a tar member.
protocol ByteSource: AnyObject {
    /// Reads up to `buffer.count` bytes; returns 0 at the end.
    /// - Throws: `InputError` when the underlying read or decompressor fails.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Failures reading an input, named by path.
public enum InputError: Error, CustomStringConvertible, Equatable, Sendable {
    case cannotOpen(path: String, reason: String)
    case readFailed(path: String, reason: String)
    case decompressorFailed(path: String, tool: String, status: Int32, message: String)
    case missingTool(tool: String, package: String)
    case corruptArchive(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "\(path): cannot open: \(reason)"
        case .readFailed(let path, let reason): "\(path): read failed: \(reason)"
        case .decompressorFailed(let path, let tool, let status, let message):
            "\(path): \(tool) exited with status \(status) (\(message.isEmpty ? "corrupt or truncated input?" : message))"
        case .missingTool(let tool, let package):
            "\(tool) is not installed; run scripts/setup.sh (Debian package \(package))"
        case .corruptArchive(let path, let reason): "\(path): not a valid tar archive: \(reason)"
        }
    }
}

/// Reads a regular file through its descriptor.
final class FileByteSource: ByteSource {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw InputError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
    }

    deinit { close(fd) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Foundation.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw InputError.readFailed(path: path, reason: String(cString: strerror(errno)))
        }
    }
}

/// The standard output of a decompressor (`zstd -dc FILE`, `gzip -dc FILE`) run as a
/// child process with an argument vector (no shell). Its exit status is checked at end of
/// stream, so a truncated or corrupt file is an error, not a silently short import.
final class DecompressorByteSource: ByteSource {
    let path: String
    let tool: String
    private let process = Process()
    private let output = Pipe()
    private let errors = Pipe()
    private var finished = false

    init(path: String, tool: String, package: String) throws {
        self.path = path
        self.tool = tool
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw InputError.cannotOpen(path: path, reason: "no such readable file")
        }
        guard let executable = Self.find(tool) else { throw InputError.missingTool(tool: tool, package: package) }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-dc", "--", path]
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw InputError.cannotOpen(path: path, reason: "cannot start \(tool): \(error)")
        }
    }

    deinit {
        if process.isRunning { process.terminate() }
        if !finished { process.waitUntilExit() }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let fd = output.fileHandleForReading.fileDescriptor
        while true {
            let n = Foundation.read(fd, buffer.baseAddress, buffer.count)
            if n > 0 { return n }
            if n < 0 {
                if errno == EINTR { continue }
                throw InputError.readFailed(path: path, reason: String(cString: strerror(errno)))
            }
            process.waitUntilExit()
            finished = true
            if process.terminationStatus != 0 {
                let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                throw InputError.decompressorFailed(path: path, tool: tool, status: process.terminationStatus,
                                                    message: message.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            return 0
        }
    }

    private static func find(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") + ["/usr/bin", "/bin"] {
            let candidate = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
