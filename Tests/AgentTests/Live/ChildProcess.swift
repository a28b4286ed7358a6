import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real child process (python3 running a script given inline) that the test drives line
/// by line: it prints a line when it reaches a stage and waits for a line on stdin before
/// going on, so samples can be taken between stages.
final class ChildProcess {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()

    static let python = "/usr/bin/python3"

    init(python script: String, arguments: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = ["-u", "-c", script] + arguments
        process.standardInput = input
        process.standardOutput = output
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// Writes one line to the child's stdin.
    func send(_ line: String = "go") {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    /// The next line the child prints (blocking), without its newline; nil at end of file.
    func readLine() -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        let fd = output.fileHandleForReading.fileDescriptor
        while true {
            let n = Glibc.read(fd, &byte, 1)
            if n <= 0 { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
    }

    /// Reads lines until one equals `stage`; returns false if the child ended first.
    @discardableResult
    func expect(_ stage: String) -> Bool {
        while let line = readLine() {
            if line == stage { return true }
        }
        return false
    }

    /// Kills the child (SIGKILL) and reaps it.
    func stop() {
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}
