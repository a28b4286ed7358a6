import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A client of QEMU's machine protocol (QMP, `docs/interop/qmp-spec.rst` in QEMU): one
/// JSON object per line over a Unix stream socket. On connect QEMU sends a greeting
/// (`{"QMP": {"version": …, "capabilities": […]}}`); the client leaves capabilities
/// negotiation with `qmp_capabilities`; then each `{"execute": NAME, "arguments": {…},
/// "id": N}` gets one `{"return": …, "id": N}` or `{"error": {"class", "desc"}, "id": N}`,
/// with asynchronous events (`{"event": "STOP", "timestamp": {…}, "data": {…}}`) in between,
/// which are kept in `events`.
///
/// Synchronous and single-threaded (the executors' style): every read waits with `poll(2)`
/// up to the call's timeout. Not `Sendable`.
public final class QMPClient {
    /// An asynchronous event QEMU sent (`MIGRATION`, `STOP`, `RESUME`, `SHUTDOWN`, …).
    public struct Event: Sendable, Equatable {
        public var name: String
        /// QEMU's timestamp, Unix seconds.
        public var timestamp: Double
        /// The event's `data` object as JSON text ("{}" when absent).
        public var data: String
    }

    public let path: String
    /// What QEMU's greeting says (`major.minor.micro`).
    public private(set) var version: String = ""
    /// Events received so far, oldest first.
    public private(set) var events: [Event] = []
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var nextID = 1

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { close() }

    /// Connects to the QMP socket at `path`, retrying while it does not exist or refuses
    /// (QEMU creates it a moment after it starts) until `timeoutSeconds`, or until `alive`
    /// says the QEMU process is gone; reads the greeting and negotiates capabilities.
    public static func connect(path: String, timeoutSeconds: Double, alive: () -> Bool = { true }) throws(QMPError) -> QMPClient {
        let deadline = MonotonicClock.seconds() + timeoutSeconds
        var lastErrno: Int32 = ENOENT
        while true {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw .connect(path: path, errno: errno) }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
                Glibc.close(fd)
                throw .pathTooLong(path: path)
            }
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (i, byte) in bytes.enumerated() { raw[i] = byte }
                raw[bytes.count] = 0
            }
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            if result == 0 {
                let client = QMPClient(path: path, fd: fd)
                do { try client.handshake(deadline: max(deadline, MonotonicClock.seconds() + 5)) } catch {
                    // QEMU opens the socket before it loads the kernel or disk; one that then
                    // fails closes it mid-greeting: say that it exited, once it has.
                    let settle = MonotonicClock.seconds() + 1
                    while MonotonicClock.seconds() < settle {
                        if !alive() { throw .processExited(path: path) }
                        usleep(20_000)
                    }
                    throw error
                }
                return client
            }
            lastErrno = errno
            Glibc.close(fd)
            if !alive() { throw .processExited(path: path) }
            if MonotonicClock.seconds() >= deadline { throw .connect(path: path, errno: lastErrno) }
            usleep(20_000)
        }
    }

    private func handshake(deadline: Double) throws(QMPError) {
        struct Greeting: Decodable {
            struct QMP: Decodable {
                struct Version: Decodable {
                    struct Triple: Decodable { var major: Int; var minor: Int; var micro: Int }
                    var qemu: Triple
                }
                var version: Version
            }
            var QMP: QMP
        }
        let line = try readLine(deadline: deadline, command: "greeting")
        guard let greeting = try? JSONDecoder().decode(Greeting.self, from: Data(line)) else {
            throw .protocolError("\(path): the first line is not a QMP greeting: \(String(decoding: line.prefix(200), as: UTF8.self))")
        }
        let v = greeting.QMP.version.qemu
        version = "\(v.major).\(v.minor).\(v.micro)"
        try execute("qmp_capabilities", timeoutSeconds: max(1, deadline - MonotonicClock.seconds()))
    }

    /// Closes the connection (idempotent). QEMU keeps running.
    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    // MARK: Commands

    /// Runs `command` with `arguments` (a JSON object; nil: none) and returns the JSON text
    /// of its `return` value.
    @discardableResult
    public func execute(_ command: String, arguments: [String: any Sendable]? = nil, timeoutSeconds: Double = 10) throws(QMPError) -> Data {
        guard fd >= 0 else { throw .closed(command: command) }
        let id = nextID
        nextID += 1
        var request: [String: Any] = ["execute": command, "id": id]
        if let arguments { request["arguments"] = arguments }
        guard var line = try? JSONSerialization.data(withJSONObject: request, options: [.sortedKeys]) else {
            throw .protocolError("cannot encode the arguments of \(command)")
        }
        line.append(UInt8(ascii: "\n"))
        try send(line, command: command)
        let deadline = MonotonicClock.seconds() + timeoutSeconds
        while true {
            let reply = try readLine(deadline: deadline, command: command)
            guard let object = (try? JSONSerialization.jsonObject(with: Data(reply))) as? [String: Any] else {
                throw .protocolError("\(command): QEMU sent a line that is not a JSON object: \(String(decoding: reply.prefix(200), as: UTF8.self))")
            }
            if let name = object["event"] as? String {
                let stamp = object["timestamp"] as? [String: Any]
                let seconds = (stamp?["seconds"] as? NSNumber)?.doubleValue ?? 0
                let micros = (stamp?["microseconds"] as? NSNumber)?.doubleValue ?? 0
                let data = (object["data"]).flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) }
                events.append(Event(name: name, timestamp: seconds + micros / 1e6, data: data.map { String(decoding: $0, as: UTF8.self) } ?? "{}"))
                continue
            }
            guard (object["id"] as? NSNumber)?.intValue == id else { continue }  // a late reply to a command that timed out
            if let error = object["error"] as? [String: Any] {
                throw .commandFailed(command: command, errorClass: error["class"] as? String ?? "?", description: error["desc"] as? String ?? "")
            }
            let value = object["return"] ?? [String: Any]()
            return (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys])) ?? Data("{}".utf8)
        }
    }

    /// Runs `command` and decodes its `return` value as `T`.
    public func execute<T: Decodable>(_ command: String, arguments: [String: any Sendable]? = nil, as type: T.Type,
                                      timeoutSeconds: Double = 10) throws(QMPError) -> T {
        let data = try execute(command, arguments: arguments, timeoutSeconds: timeoutSeconds)
        do { return try JSONDecoder().decode(T.self, from: data) } catch {
            throw .protocolError("\(command): unexpected answer \(String(decoding: data.prefix(300), as: UTF8.self)): \(error)")
        }
    }

    /// Reads whatever events arrived, without sending anything (waits up to `timeoutSeconds`
    /// for the first byte).
    public func pollEvents(timeoutSeconds: Double = 0) throws(QMPError) -> [Event] {
        let before = events.count
        let deadline = MonotonicClock.seconds() + timeoutSeconds
        while let line = try readLineIfAny(deadline: deadline) {
            if let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any], let name = object["event"] as? String {
                let stamp = object["timestamp"] as? [String: Any]
                let seconds = (stamp?["seconds"] as? NSNumber)?.doubleValue ?? 0
                let micros = (stamp?["microseconds"] as? NSNumber)?.doubleValue ?? 0
                let data = (object["data"]).flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) }
                events.append(Event(name: name, timestamp: seconds + micros / 1e6, data: data.map { String(decoding: $0, as: UTF8.self) } ?? "{}"))
            }
        }
        return Array(events[before...])
    }

    // MARK: The commands the VM runtime uses

    /// `query-status`: the run state (`running`, `paused`, `inmigrate`, `postmigrate`, …).
    public func status(timeoutSeconds: Double = 10) throws(QMPError) -> VMRunStatus {
        try execute("query-status", as: VMRunStatus.self, timeoutSeconds: timeoutSeconds)
    }

    /// `query-migrate`: the state and counters of the current (or last) migration.
    public func migration(timeoutSeconds: Double = 10) throws(QMPError) -> MigrationInfo {
        try execute("query-migrate", as: MigrationInfo.self, timeoutSeconds: timeoutSeconds)
    }

    // MARK: Socket I/O

    private func send(_ data: Data, command: String) throws(QMPError) {
        var offset = 0
        let bytes = [UInt8](data)
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .connectionLost(command: command, errno: errno)
            }
            offset += n
        }
    }

    private func readLine(deadline: Double, command: String) throws(QMPError) -> [UInt8] {
        while true {
            if let line = takeLine() { return line }
            let remaining = deadline - MonotonicClock.seconds()
            guard remaining > 0 else { throw .timeout(command: command) }
            try fill(waitMilliseconds: Int32(min(remaining * 1000, 1000).rounded(.up)), command: command)
        }
    }

    private func readLineIfAny(deadline: Double) throws(QMPError) -> [UInt8]? {
        while true {
            if let line = takeLine() { return line }
            let remaining = deadline - MonotonicClock.seconds()
            let got = try fill(waitMilliseconds: Int32(max(0, min(remaining * 1000, 1000)).rounded(.up)), command: "events")
            if !got && remaining <= 0 { return nil }
        }
    }

    private func takeLine() -> [UInt8]? {
        guard let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let line = Array(buffer[..<newline])
        buffer.removeSubrange(...newline)
        let trimmed = line.last == UInt8(ascii: "\r") ? Array(line.dropLast()) : line
        return trimmed.isEmpty ? takeLine() : trimmed
    }

    /// Waits up to `waitMilliseconds` for data and appends it; false when nothing came.
    @discardableResult
    private func fill(waitMilliseconds: Int32, command: String) throws(QMPError) -> Bool {
        guard fd >= 0 else { throw .closed(command: command) }
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, waitMilliseconds)
        if ready < 0 {
            if errno == EINTR { return false }
            throw .connectionLost(command: command, errno: errno)
        }
        guard ready > 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 {
            if errno == EINTR || errno == EAGAIN { return false }
            throw .connectionLost(command: command, errno: errno)
        }
        if n == 0 { throw .connectionLost(command: command, errno: 0) }
        buffer += chunk[0..<n]
        return true
    }
}

/// `query-status`'s answer.
public struct VMRunStatus: Decodable, Sendable, Equatable {
    /// `running`, `paused`, `inmigrate`, `postmigrate`, `finish-migrate`, `shutdown`, …
    public var status: String
    public var running: Bool
}

/// `query-migrate`'s answer (QEMU 7.2 `MigrationInfo`; fields absent in a state are nil).
/// Times are milliseconds, sizes bytes.
public struct MigrationInfo: Decodable, Sendable, Equatable {
    /// `none`, `setup`, `active`, `device`, `completed`, `failed`, `cancelling`, `cancelled`, …
    public var status: String?
    public var totalTimeMilliseconds: Int64?
    /// The time the guest was stopped at the end (`downtime`, completed migrations only).
    public var downtimeMilliseconds: Int64?
    /// QEMU's estimate while active (`expected-downtime`).
    public var expectedDowntimeMilliseconds: Int64?
    public var setupTimeMilliseconds: Int64?
    public var ram: RAM?
    public var errorDescription: String?

    public struct RAM: Decodable, Sendable, Equatable {
        public var transferredBytes: Int64
        public var remainingBytes: Int64
        public var totalBytes: Int64
        /// Pages found dirty per second during the last complete round (`dirty-pages-rate`).
        public var dirtyPagesPerSecond: Int64?
        public var pageSizeBytes: Int64?
        /// Throughput of the last round, megabits per second (`mbps`).
        public var megabitsPerSecond: Double?
        /// Completed passes over RAM (`dirty-sync-count`).
        public var dirtySyncCount: Int64?

        /// The dirty rate in bytes per second (pages × page size, 4 KiB when not given).
        public var dirtyBytesPerSecond: Double { Double(dirtyPagesPerSecond ?? 0) * Double(pageSizeBytes ?? 4096) }

        enum CodingKeys: String, CodingKey {
            case transferredBytes = "transferred", remainingBytes = "remaining", totalBytes = "total",
                 dirtyPagesPerSecond = "dirty-pages-rate", pageSizeBytes = "page-size", megabitsPerSecond = "mbps",
                 dirtySyncCount = "dirty-sync-count"
        }
    }

    enum CodingKeys: String, CodingKey {
        case status, ram
        case totalTimeMilliseconds = "total-time", downtimeMilliseconds = "downtime", expectedDowntimeMilliseconds = "expected-downtime",
             setupTimeMilliseconds = "setup-time", errorDescription = "error-desc"
    }
}

/// What went wrong talking QMP. Messages name the socket or command and what to check.
public enum QMPError: Error, Equatable, Sendable, CustomStringConvertible {
    case connect(path: String, errno: Int32)
    case pathTooLong(path: String)
    /// The QEMU process ended before its socket accepted.
    case processExited(path: String)
    case timeout(command: String)
    case connectionLost(command: String, errno: Int32)
    case closed(command: String)
    case commandFailed(command: String, errorClass: String, description: String)
    case protocolError(String)

    public var description: String {
        switch self {
        case let .connect(path, errno): "cannot connect to the QMP socket \(path): errno \(errno) (\(String(cString: strerror(errno))))"
        case let .pathTooLong(path): "the QMP socket path \(path) is longer than a Unix socket address allows (107 bytes); use a shorter state_directory"
        case let .processExited(path): "QEMU exited before its QMP socket \(path) accepted (see its log)"
        case let .timeout(command): "QMP \(command): no answer in time"
        case let .connectionLost(command, errno): "QMP \(command): connection lost\(errno == 0 ? " (QEMU closed it)" : ": errno \(errno)")"
        case let .closed(command): "QMP \(command): the client is closed"
        case let .commandFailed(command, errorClass, description): "QMP \(command) failed: \(errorClass): \(description)"
        case let .protocolError(message): "QMP: \(message)"
        }
    }
}
