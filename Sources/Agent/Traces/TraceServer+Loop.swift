#if canImport(Glibc)
import Glibc
#endif

/// `SO_PEERCRED` from <asm-generic/socket.h> (17 on x86-64 and arm64; Glibc's Swift
/// overlay does not export it, nor `struct ucred`, which need `_GNU_SOURCE`).
private let peerCredentialsOption: Int32 = 17

/// `struct ucred` (socket(7)): the peer's pid, uid and gid.
private struct PeerCredentials {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

/// One client connection's state on the server thread.
struct TraceConnection {
    let fd: Int32
    let pid: Int32
    /// The resolver's answer for `pid` (asked once, at accept).
    let workload: String?
    /// Bytes of the line being received.
    var partial: [UInt8] = []
    /// True while skipping the rest of an over-long line.
    var discarding = false
    var tokens: Double
    var lastRefillSeconds: Double
}

extension TraceServer {
    /// The poll loop; returns when `stop()` writes to the wake-up pipe.
    func serve() {
        var connections: [TraceConnection] = []
        var descriptors: [pollfd] = []
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 65536)
        defer {
            buffer.deallocate()
            for connection in connections { close(connection.fd) }
            countersState.withLock { $0.openConnections = 0 }
        }
        var batch: [TraceEvent] = []
        while true {
            descriptors.removeAll(keepingCapacity: true)
            descriptors.append(pollfd(fd: wakePipe.0, events: Int16(POLLIN), revents: 0))
            descriptors.append(pollfd(fd: listenDescriptor, events: Int16(POLLIN), revents: 0))
            for connection in connections { descriptors.append(pollfd(fd: connection.fd, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&descriptors, nfds_t(descriptors.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return  // EFAULT/EINVAL/ENOMEM: nothing sensible to retry.
            }
            if descriptors[0].revents != 0 { return }
            // Clients first (their indices match `descriptors[2...]`), then new ones.
            var closed: [Int] = []
            for index in connections.indices {
                let revents = descriptors[index + 2].revents
                guard revents != 0 else { continue }
                if !drain(&connections[index], buffer: buffer, into: &batch) { closed.append(index) }
            }
            for index in closed.reversed() {
                close(connections[index].fd)
                connections.remove(at: index)
            }
            if descriptors[1].revents & Int16(POLLIN) != 0 { acceptAll(&connections) }
            countersState.withLock { $0.openConnections = connections.count }
            if !batch.isEmpty {
                countersState.withLock { $0.events += batch.count }
                sink(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Accepts every pending client; beyond the limit they are closed at once.
    private func acceptAll(_ connections: inout [TraceConnection]) {
        while true {
            // accept4 needs _GNU_SOURCE, which Glibc's overlay lacks: accept, then fcntl.
            let fd = accept(listenDescriptor, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                return  // EAGAIN (none left) or a transient error (EMFILE…): retried on the next round.
            }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            guard connections.count < configuration.maximumConnections else {
                close(fd)
                countersState.withLock { $0.rejectedConnections += 1 }
                continue
            }
            var credentials = PeerCredentials()
            var length = socklen_t(MemoryLayout<PeerCredentials>.size)
            let pid: Int32 = getsockopt(fd, SOL_SOCKET, peerCredentialsOption, &credentials, &length) == 0 ? credentials.pid : 0
            let workload = pid > 0 ? resolver(pid) : nil
            connections.append(TraceConnection(fd: fd, pid: pid, workload: workload, tokens: configuration.burstLines,
                                               lastRefillSeconds: Self.monotonicSeconds()))
            countersState.withLock { $0.acceptedConnections += 1 }
        }
    }

    /// Reads what `connection` has sent (at most 16 reads, for fairness) and parses the
    /// complete lines. Returns false when the connection ended.
    private func drain(_ connection: inout TraceConnection, buffer: UnsafeMutableBufferPointer<UInt8>,
                       into batch: inout [TraceEvent]) -> Bool {
        for _ in 0..<16 {
            let n = read(connection.fd, buffer.baseAddress!, buffer.count)
            if n > 0 {
                consume(UnsafeBufferPointer(rebasing: buffer[0..<n]), &connection, into: &batch)
                if n < buffer.count { return true }
                continue
            }
            if n == 0 {
                if !connection.partial.isEmpty || connection.discarding {
                    countersState.withLock { $0.truncatedLines += 1 }
                }
                return false
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return true
            default: return false  // ECONNRESET…
            }
        }
        return true
    }

    /// Splits `bytes` into lines, carrying an unfinished one in `connection.partial`.
    private func consume(_ bytes: UnsafeBufferPointer<UInt8>, _ connection: inout TraceConnection,
                         into batch: inout [TraceEvent]) {
        let limit = configuration.maximumLineBytes
        var start = 0
        while start < bytes.count {
            let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n"))
            let end = newline ?? bytes.count
            if connection.discarding {
                if newline != nil { connection.discarding = false }
            } else if connection.partial.isEmpty && newline != nil && end - start <= limit {
                // The whole line is in this read: parse it in place.
                line(UnsafeBufferPointer(rebasing: bytes[start..<end]), &connection, into: &batch)
            } else if connection.partial.count + (end - start) > limit {
                countersState.withLock { $0.oversizedLines += 1 }
                connection.partial.removeAll()
                connection.discarding = newline == nil
            } else {
                connection.partial.append(contentsOf: bytes[start..<end])
                if newline != nil {
                    let complete = connection.partial
                    connection.partial.removeAll(keepingCapacity: true)
                    complete.withUnsafeBufferPointer { line($0, &connection, into: &batch) }
                }
            }
            start = end + 1
        }
    }

    /// Handles one complete line (newline removed; a trailing `\r` is tolerated).
    private func line(_ raw: UnsafeBufferPointer<UInt8>, _ connection: inout TraceConnection,
                      into batch: inout [TraceEvent]) {
        var text = raw
        if let last = text.last, last == UInt8(ascii: "\r") { text = UnsafeBufferPointer(rebasing: text.dropLast()) }
        if text.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }  // blank lines are keep-alives
        let now = Self.monotonicSeconds()
        connection.tokens = min(configuration.burstLines,
                                connection.tokens + (now - connection.lastRefillSeconds) * configuration.linesPerSecond)
        connection.lastRefillSeconds = now
        guard connection.tokens >= 1 else {
            countersState.withLock { $0.rateLimitedLines += 1 }
            return
        }
        connection.tokens -= 1
        do {
            var event = try TraceEvent(parsing: text)
            switch configuration.attribution {
            case .peer:
                guard let peer = connection.workload else {
                    countersState.withLock { $0.unattributedLines += 1 }
                    return
                }
                guard event.workload == nil || event.workload == peer else {
                    countersState.withLock { $0.misattributedLines += 1 }
                    return
                }
                event.workload = peer
            case .lineThenPeer:
                if event.workload == nil { event.workload = connection.workload }
                guard event.workload != nil else {
                    countersState.withLock { $0.unattributedLines += 1 }
                    return
                }
            }
            batch.append(event)
        } catch {
            countersState.withLock {
                $0.malformedLines += 1
                $0.lastError = error
            }
        }
    }

    static func monotonicSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
