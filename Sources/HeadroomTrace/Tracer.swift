#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// Sends span, phase and loop events to the Headroom agent as JSON lines over a Unix
/// stream socket (the protocol is docs/trace-protocol.md).
///
/// The tracer never blocks and never fails the workload:
/// * the socket is non-blocking (`O_NONBLOCK`), and writes use `MSG_DONTWAIT |
///   MSG_NOSIGNAL`; when the socket buffer is full the event is dropped and counted
///   (`droppedCount`), so a stalled agent costs the workload nothing but lost events;
/// * a line the kernel accepts only in part is kept (at most one line, ≤ 4 KiB) and
///   finished before the next event, so the stream never carries half a line followed
///   by another; while it cannot be finished, new events are dropped;
/// * when the agent goes away (`EPIPE`, `ECONNRESET`, …) the socket is closed and a new
///   connection is tried on a later event, at most once per `reconnectIntervalSeconds`;
/// * with no socket path (`fromEnvironment()` without `HEADROOM_TRACE_SOCKET`) every call
///   is a no-op.
///
/// Thread-safe: one lock guards the socket; events from several threads are written
/// whole, in the order the lock is taken.
public final class Tracer: Sendable {
    /// The environment variable the agent sets to its socket's path.
    public static let environmentVariable = "HEADROOM_TRACE_SOCKET"
    /// Longest line the agent accepts (bytes, newline excluded); longer events are dropped
    /// here rather than sent. Matches the agent's default limit.
    public static let maximumLineBytes = 4096

    /// The agent's socket, or nil for a no-op tracer.
    public let socketPath: String?
    /// The workload name sent with every event, or nil to let the agent name the workload
    /// from the connection's peer pid.
    public let workload: String?
    /// Smallest gap between two connection attempts, seconds.
    public let reconnectIntervalSeconds: Double

    private struct State {
        var fd: Int32 = -1
        /// The unsent tail of a line the kernel took only in part.
        var pending: [UInt8] = []
        var lastAttemptSeconds: Double = -.infinity
        var sent = 0
        var dropped = 0
    }
    private let state = Mutex(State())

    /// A tracer writing to the agent socket at `socketPath` (nil: a no-op tracer). The
    /// first connection is tried at once; if it fails, events are dropped until a later
    /// attempt succeeds.
    public init(socketPath: String?, workload: String? = nil, reconnectIntervalSeconds: Double = 1) {
        self.socketPath = socketPath.flatMap { $0.isEmpty ? nil : $0 }
        self.workload = workload
        self.reconnectIntervalSeconds = reconnectIntervalSeconds
        state.withLock { connectIfDue(&$0) }
    }

    /// A tracer for the socket named by `HEADROOM_TRACE_SOCKET` in `environment` (a no-op
    /// tracer when it is unset or empty).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment,
                                       workload: String? = nil) -> Tracer {
        Tracer(socketPath: environment[environmentVariable], workload: workload)
    }

    deinit {
        state.withLock { s in if s.fd >= 0 { close(s.fd) } }
    }

    /// Events written whole (or whose tail is pending) so far.
    public var sentCount: Int { state.withLock { $0.sent } }
    /// Events dropped: no connection, a full socket buffer, or an over-long line.
    public var droppedCount: Int { state.withLock { $0.dropped } }
    /// Whether a connection to the agent is open now.
    public var isConnected: Bool { state.withLock { $0.fd >= 0 } }

    // MARK: - Events

    /// Sends `span_start`, runs `body`, then sends `span_end` (also when `body` throws).
    @discardableResult
    public func span<T>(_ name: String, attributes: [String: String] = [:], _ body: () throws -> T) rethrows -> T {
        emit(kind: "span_start", name: name, attributes: attributes)
        defer { emit(kind: "span_end", name: name) }
        return try body()
    }

    /// Like `span(_:attributes:_:)` for an async body.
    @discardableResult
    public func span<T>(_ name: String, attributes: [String: String] = [:],
                        _ body: () async throws -> T) async rethrows -> T {
        emit(kind: "span_start", name: name, attributes: attributes)
        defer { emit(kind: "span_end", name: name) }
        return try await body()
    }

    /// Announces that the workload entered phase `name` (in effect until the next phase).
    public func phase(_ name: String, attributes: [String: String] = [:]) {
        emit(kind: "phase", name: name, attributes: attributes)
    }

    /// One iteration `index` of loop `name`.
    public func loop(_ name: String, index: Int) {
        emit(kind: "loop", name: name, value: Double(index))
    }

    /// An application state `name` (e.g. `waiting_for_lock`), optionally with a number.
    public func state(_ name: String, value: Double? = nil) {
        emit(kind: "state", name: name, value: value)
    }

    /// Sends one event of any protocol kind; `timestamp` defaults to the wall clock now.
    public func emit(kind: String, name: String, value: Double? = nil, attributes: [String: String] = [:],
                     timestamp: Double? = nil) {
        guard socketPath != nil else { return }
        let line = Self.line(v: 1, workload: workload, timestamp: timestamp ?? Self.now(), kind: kind, name: name,
                             value: value, attributes: attributes)
        state.withLock { s in
            guard line.count <= Self.maximumLineBytes + 1 else {
                s.dropped += 1
                return
            }
            send(line, &s)
        }
    }

    // MARK: - Socket

    private func send(_ line: [UInt8], _ s: inout State) {
        if s.fd < 0 { connectIfDue(&s) }
        guard s.fd >= 0 else {
            s.dropped += 1
            return
        }
        if !s.pending.isEmpty {
            guard write(s.pending, &s) else { s.dropped += 1; return }
            guard s.pending.isEmpty else { s.dropped += 1; return }
        }
        if write(line, &s) { s.sent += 1 } else { s.dropped += 1 }
    }

    /// Writes `bytes` without blocking. Returns false when nothing of it was taken (buffer
    /// full or connection lost); a partial write keeps the rest in `pending`.
    private func write(_ bytes: [UInt8], _ s: inout State) -> Bool {
        while true {
            let n = bytes.withUnsafeBytes { Glibc.send(s.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
            if n == bytes.count {
                s.pending = []
                return true
            }
            if n > 0 {
                s.pending = Array(bytes[n...])
                return true
            }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return false }
            // EPIPE, ECONNRESET, ENOTCONN, EBADF…: the agent is gone; reconnect later.
            close(s.fd)
            s.fd = -1
            s.pending = []
            return false
        }
    }

    private func connectIfDue(_ s: inout State) {
        guard let socketPath else { return }
        let now = Self.monotonicSeconds()
        guard now - s.lastAttemptSeconds >= reconnectIntervalSeconds else { return }
        s.lastAttemptSeconds = now
        s.pending = []
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(socketPath.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else {
            close(fd)
            return
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path)
            raw[path.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        // A Unix-socket connect completes at once or fails (EAGAIN: the backlog is full).
        guard result == 0 else {
            close(fd)
            return
        }
        s.fd = fd
    }

    // MARK: - Encoding

    /// The wall clock, Unix seconds.
    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    static func monotonicSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// One protocol line, newline included: `{"v":1,"ts":…,"kind":…,"name":…}`.
    static func line(v: Int, workload: String?, timestamp: Double, kind: String, name: String, value: Double?,
                     attributes: [String: String]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + name.utf8.count)
        out += Array("{\"v\":\(v),\"ts\":".utf8)
        out += Array(number(timestamp).utf8)
        if let workload {
            out += Array(",\"workload\":".utf8)
            appendString(workload, to: &out)
        }
        out += Array(",\"kind\":".utf8)
        appendString(kind, to: &out)
        out += Array(",\"name\":".utf8)
        appendString(name, to: &out)
        if let value, value.isFinite {
            out += Array(",\"value\":".utf8)
            out += Array(number(value).utf8)
        }
        if !attributes.isEmpty {
            out += Array(",\"attrs\":{".utf8)
            for (i, key) in attributes.keys.sorted().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                appendString(attributes[key]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        out += Array("}\n".utf8)
        return out
    }

    /// A finite number as JSON (integers without a fraction, others with ~17 digits).
    static func number(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }

    /// `text` as a JSON string: `"` and `\` escaped, control characters as `\u00XX`.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
