#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// The agent's trace intake: a Unix stream socket where instrumented workloads send one
/// JSON event per line (docs/trace-protocol.md).
///
/// One thread runs a `poll(2)` loop over the listening socket, a wake-up pipe and up to
/// `maximumConnections` clients; every socket is non-blocking, so a slow or silent client
/// holds nothing up. Per connection it keeps the unfinished tail of the last line; a line
/// longer than `maximumLineBytes` is dropped (counted once, the rest skipped to its
/// newline), as is a malformed line, a line over the connection's rate, and a line whose
/// workload nobody can name. Nothing a client sends can stop the loop.
///
/// The peer's pid comes from `SO_PEERCRED` when the connection is accepted and
/// `resolver(pid)` names its workload, called once per connection on the server thread (it
/// should be a quick lookup). How a line's own `"workload"` field counts is
/// `Configuration.attribution`: with `.peer` (the agent's setting) the peer's workload is
/// the only one, so a process cannot speak for another workload (issue 12, item 6).
/// Events read in one round of the loop go to `sink` as one batch, on the server thread:
/// the sink should hand them off (a queue, a store transaction) and return. While it runs
/// the server reads nothing, so the clients' socket buffers fill and *they* drop events —
/// the workload is never blocked.
public final class TraceServer: Sendable {
    public struct Configuration: Sendable {
        public var socketPath: String
        /// Clients beyond this are accepted and closed at once (they see EOF), counted in
        /// `rejectedConnections`.
        public var maximumConnections: Int = 256
        /// Longest line in bytes, newline excluded.
        public var maximumLineBytes: Int = 4096
        /// Sustained lines per second per connection (a token bucket); more are dropped.
        /// 1000 a second is ~100 times what the HMM uses (one symbol per 5-minute step is
        /// built from a few events) while bounding one client to ~4 MB/s of parsing.
        public var linesPerSecond: Double = 1000
        /// Bucket size: a burst this long passes at once.
        public var burstLines: Double = 2000
        /// Permission bits of the socket file (who may connect): owner and group, never
        /// others (a world-writable socket let any local user inject events: issue 12).
        /// Bits for others are cleared whatever is set here.
        public var socketMode: mode_t = 0o660
        /// The socket file's group (its members may connect with `socketMode` 0660); nil:
        /// the agent's own group.
        public var socketGroup: gid_t?
        /// Whose word names an event's workload.
        public var attribution: Attribution = .lineThenPeer

        public init(socketPath: String) { self.socketPath = socketPath }
    }

    /// Whose word names an event's workload.
    public enum Attribution: Sendable, Equatable {
        /// The peer's workload (`resolver(pid)`) only: a line naming another workload is
        /// dropped (`misattributedLines`), a peer the resolver does not know is dropped
        /// (`unattributedLines`) whatever its lines say. The agent's setting: the resolver
        /// reads the peer's cgroup, which the process cannot choose.
        case peer
        /// A line's own `"workload"` field, else the peer's: for a socket whose every
        /// client is trusted (a single-tenant intake, tests).
        case lineThenPeer
    }

    /// What the server has seen since it started.
    public struct Counters: Sendable, Equatable {
        public var acceptedConnections = 0
        public var rejectedConnections = 0
        public var openConnections = 0
        /// Events handed to the sink.
        public var events = 0
        /// Lines that are not a valid event (`TraceLineError`).
        public var malformedLines = 0
        /// Lines longer than `maximumLineBytes`.
        public var oversizedLines = 0
        /// Lines over the connection's rate.
        public var rateLimitedLines = 0
        /// Valid lines from a pid the resolver does not know (with `.lineThenPeer`: only
        /// those without `"workload"`).
        public var unattributedLines = 0
        /// With `.peer`: lines naming a workload other than their peer's (dropped).
        public var misattributedLines = 0
        /// Connections closed in the middle of a line (the partial line is dropped).
        public var truncatedLines = 0
        /// The last malformed line's error, for the agent's log.
        public var lastError: TraceLineError?

        public init() {}
    }

    /// Maps a peer pid to its workload's name (nil: unknown).
    public typealias Resolver = @Sendable (_ pid: Int32) -> String?
    /// Receives each batch of events (workload always set), on the server thread.
    public typealias Sink = @Sendable (_ events: [TraceEvent]) -> Void

    public let configuration: Configuration
    let resolver: Resolver
    let sink: Sink
    let listenDescriptor: Int32
    /// [read end, write end] of the wake-up pipe `stop()` writes to.
    let wakePipe: (Int32, Int32)
    let countersState = Mutex(Counters())
    private let finished = DispatchSemaphore(value: 0)
    private let lifecycle = Mutex<(started: Bool, stopped: Bool)>((false, false))

    /// Binds and listens on `configuration.socketPath` (a stale socket file there is
    /// replaced). Call `start()` to serve and `stop()` to close.
    /// - Throws: `TraceServerError` naming the path and the failing call.
    public init(configuration: Configuration, resolver: @escaping Resolver, sink: @escaping Sink) throws(TraceServerError) {
        self.configuration = configuration
        self.resolver = resolver
        self.sink = sink
        let path = configuration.socketPath
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !pathBytes.isEmpty, pathBytes.count < capacity else {
            throw .pathTooLong(path: path, maximumBytes: capacity - 1)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFSOCK else { throw .notASocket(path: path) }
            unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .systemCall("socket", path: path, errno: errno) }
        let mode = configuration.socketMode & 0o770
        // Linux gives the socket file the socket inode's mode (less the umask) at bind, so
        // it is never more open than `mode`, not even between bind and chmod.
        _ = fchmod(fd, mode)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw .systemCall("bind", path: path, errno: code)
        }
        if let group = configuration.socketGroup, chown(path, uid_t.max, group) != 0 {
            let code = errno
            close(fd)
            unlink(path)
            throw .systemCall("chown to group \(group)", path: path, errno: code)
        }
        guard chmod(path, mode) == 0 else {
            let code = errno
            close(fd)
            unlink(path)
            throw .systemCall("chmod", path: path, errno: code)
        }
        // A backlog of twice the connection limit: a burst of clients starting together
        // (a job array) connects before the loop gets round to accepting them; a Unix
        // socket connect fails with EAGAIN, not waits, when the backlog is full.
        guard listen(fd, Int32(clamping: max(128, 2 * configuration.maximumConnections))) == 0 else {
            let code = errno
            close(fd)
            unlink(path)
            throw .systemCall("listen", path: path, errno: code)
        }
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            let code = errno
            close(fd)
            unlink(path)
            throw .systemCall("pipe", path: path, errno: code)
        }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        listenDescriptor = fd
        wakePipe = (ends[0], ends[1])
    }

    /// A server never started (or never stopped before its last reference went) still
    /// closes its descriptors and removes its socket file. A running server is kept alive
    /// by its thread until `stop()`.
    deinit {
        if !lifecycle.withLock({ $0.stopped }) {
            close(listenDescriptor)
            close(wakePipe.0)
            close(wakePipe.1)
            unlink(configuration.socketPath)
        }
    }

    /// The counters now.
    public var counters: Counters { countersState.withLock { $0 } }

    /// Starts the serving thread (once).
    public func start() {
        let first = lifecycle.withLock { s -> Bool in
            defer { s.started = true }
            return !s.started && !s.stopped
        }
        guard first else { return }
        let thread = Thread { [self] in
            self.serve()
            self.finished.signal()
        }
        thread.name = "headroom-trace-intake"
        thread.start()
    }

    /// Stops serving, closes every connection and removes the socket file; returns when
    /// the serving thread has ended. Idempotent.
    public func stop() {
        let wasRunning = lifecycle.withLock { s -> Bool? in
            guard !s.stopped else { return nil }
            s.stopped = true
            return s.started
        }
        guard let wasRunning else { return }
        if wasRunning {
            var byte: UInt8 = 1
            _ = write(wakePipe.1, &byte, 1)
            finished.wait()
        }
        close(listenDescriptor)
        close(wakePipe.0)
        close(wakePipe.1)
        unlink(configuration.socketPath)
    }
}

/// Why the trace socket could not be set up.
public enum TraceServerError: Error, Equatable, Sendable, CustomStringConvertible {
    case pathTooLong(path: String, maximumBytes: Int)
    case notASocket(path: String)
    case systemCall(String, path: String, errno: Int32)

    public var description: String {
        switch self {
        case let .pathTooLong(path, maximum):
            "trace socket path \"\(path)\" is empty or longer than \(maximum) bytes (the sockaddr_un limit); choose a shorter path"
        case let .notASocket(path):
            "\(path) exists and is not a socket; the agent will not replace it — choose another trace socket path"
        case let .systemCall(call, path, code):
            "\(call) failed for trace socket \(path) (errno \(code)); check that its directory exists and is writable"
        }
    }
}
