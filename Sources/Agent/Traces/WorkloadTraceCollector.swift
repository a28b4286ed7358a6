import Synchronization

/// Everything the agent collects of its workloads' execution traces, in one place for the
/// run loop: the trace socket (`TraceServer`) that instrumented workloads write to, the
/// kernel-state symbols of every workload's main process (`KernelStateSampler`), and the
/// bounded buffer (`TraceBuffer`) both feed and the run loop drains into each sample batch.
///
/// **Attribution.** A connection is attributed when it is accepted, by the peer's pid
/// (`SO_PEERCRED`) mapped through `WorkloadAttribution` to the workload whose cgroup the
/// process is in — and only so (`TraceServer.Attribution.peer`, whatever the configuration
/// passed in says): a line's own `"workload"` field may repeat the peer's workload but not
/// name another (such lines are dropped and counted as `misattributedLines`), and a process
/// in no workload's cgroup is not heard at all, so no local process can speak for a workload
/// it is not in (issue 12, item 6). An event naming a workload this agent does not manage is
/// dropped and counted (`foreignEvents`). The socket file is mode 0660 (owner and
/// `socketGroup`), never world-writable.
///
/// **Kernel state.** Every workload's main process (and each part's) is sampled each
/// interval, instrumented or not: the HMM's symbol rule prefers the phase a workload
/// announced, so the `state` events never override an instrumented workload's own phases,
/// and they still say what it was doing in steps where it announced nothing (before its
/// first phase, or when its client dropped events).
public final class WorkloadTraceCollector: Sendable {
    public struct Counters: Sendable, Equatable {
        public var server: TraceServer.Counters
        public var buffer: TraceBuffer.Counters
        /// Events naming a workload the agent does not manage.
        public var foreignEvents: Int
        /// Kernel-state samples that failed other than by the process having exited.
        public var kernelStateFailures: Int
        /// The last such failure, for the log.
        public var lastKernelStateError: SamplingError?
    }

    public let attribution: WorkloadAttribution
    public let buffer: TraceBuffer
    private let server: TraceServer
    private let sampler: Mutex<KernelStateSampler>
    private let state = Tallies()

    /// Counts shared with the server's sink (a class: a `Mutex` cannot be captured by copy).
    private final class Tallies: Sendable {
        let value = Mutex<(foreign: Int, failures: Int, lastError: SamplingError?)>((0, 0, nil))
        func withLock<R: Sendable>(_ body: (inout sending (foreign: Int, failures: Int, lastError: SamplingError?)) -> sending R) -> R {
            value.withLock(body)
        }
    }

    /// Binds the trace socket (`configuration.socketPath`); call `start()` to serve.
    /// - Parameter capacity: events buffered at most between two pushes (beyond: dropped and
    ///   counted). 20 000 holds 20 s of a client at the server's sustained rate limit, or
    ///   several minutes of a dozen chatty workloads, in a few MB.
    /// - Throws: `TraceServerError` naming the path and what failed.
    public init(configuration: TraceServer.Configuration, attribution: WorkloadAttribution, capacity: Int = 20_000,
                procRoot: String = "/proc") throws(TraceServerError) {
        self.attribution = attribution
        let buffer = TraceBuffer(capacity: capacity)
        self.buffer = buffer
        self.sampler = Mutex(KernelStateSampler(procRoot: procRoot))
        let state = self.state
        let workloads = attribution.workloads
        var configuration = configuration
        configuration.attribution = .peer
        server = try TraceServer(configuration: configuration, resolver: { pid in attribution.workload(pid: pid) }) { events in
            let known = events.filter { $0.workload.map(workloads.contains) ?? false }
            if known.count < events.count { state.withLock { $0.foreign += events.count - known.count } }
            buffer.append(known)
        }
    }

    public var socketPath: String { server.configuration.socketPath }

    public func start() { server.start() }

    /// Stops the socket (removing its file); returns when its thread has ended.
    public func stop() { server.stop() }

    /// Samples the kernel-visible state of each `(workload, pid)` now and buffers one
    /// `state` event each, stamped `timestampSeconds`; a process that has exited is skipped.
    /// Returns how many events were buffered.
    @discardableResult
    public func sampleKernelStates(_ targets: [(workload: String, pid: Int32)], timestampSeconds: Double) -> Int {
        var events: [TraceEvent] = []
        var failures: [SamplingError] = []
        sampler.withLock { sampler in
            for target in targets {
                do throws(SamplingError) {
                    events.append(try sampler.event(pid: target.pid, workload: target.workload, timestampSeconds: timestampSeconds))
                } catch {
                    if case .processGone = error { continue }
                    failures.append(error)
                }
            }
        }
        if let last = failures.last {
            state.withLock {
                $0.failures += failures.count
                $0.lastError = last
            }
        }
        return events.count - buffer.append(events)
    }

    public var counters: Counters {
        let (foreign, failures, lastError) = state.withLock { ($0.foreign, $0.failures, $0.lastError) }
        return Counters(server: server.counters, buffer: buffer.counters, foreignEvents: foreign, kernelStateFailures: failures,
                        lastKernelStateError: lastError)
    }
}
