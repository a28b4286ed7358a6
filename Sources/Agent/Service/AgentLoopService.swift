import Foundation
import Logging
import ServiceLifecycle

/// `AgentRunLoop` as a swift-service-lifecycle service: `run` first calls `prepare` (the
/// fleet's set-up: cgroups, namespaces, the declared workloads), then runs the loop, both on
/// a thread of its own, and returns when the loop does; `prepare`'s error is `run`'s. A
/// graceful shutdown (SIGTERM, SIGINT through the `ServiceGroup`) or a cancellation calls
/// `AgentRunLoop.stop`, which lets the round under way finish its batch sends and its command
/// first (a stop during `prepare` makes the loop return before its first round). Set-up runs
/// inside the group so that a signal at any time after cgroups exist is a graceful shutdown,
/// never the default action that would leave them and the workloads behind.
///
/// Why a thread, not a task: the loop and its executors are synchronous and block for
/// seconds (a checkpoint's wait, a CRIU dump, a QEMU migration's polling); on Swift's
/// cooperative pool they would starve the service group's own tasks (signal handling among
/// them) on a machine with few cores.
public final class AgentLoopService: Service, @unchecked Sendable {
    // @unchecked: `loop` is used only by the thread `run` starts, except `stop()`, which is
    // thread-safe.
    private let loop: AgentRunLoop
    private let prepare: () throws -> Void
    private let logger: Logger

    public init(loop: AgentRunLoop, logger: Logger, prepare: @escaping () throws -> Void = {}) {
        self.loop = loop
        self.prepare = prepare
        self.logger = logger
    }

    public func run() async throws {
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await withCheckedThrowingContinuation { (finished: CheckedContinuation<Void, any Error>) in
                    let thread = Thread { [self] in
                        do { try prepare() } catch {
                            finished.resume(throwing: error)
                            return
                        }
                        loop.run()
                        finished.resume()
                    }
                    thread.name = "headroom-agent-loop"
                    thread.start()
                }
            } onGracefulShutdown: { [self] in
                logger.notice("shutting down: finishing the round under way (its batch sends and command)")
                loop.stop()
            }
        } onCancel: { [self] in
            loop.stop()
        }
    }
}

/// The trace socket's intake (`WorkloadTraceCollector`, its accept thread) as a service: it
/// accepts connections from `run`'s start until the group shuts down. The socket itself is
/// bound when the collector is made, before any workload starts, so a workload's first event
/// waits in the socket's backlog rather than finding no socket.
public struct TraceIntakeService: Service {
    public let collector: WorkloadTraceCollector
    private let logger: Logger

    public init(collector: WorkloadTraceCollector, logger: Logger) {
        self.collector = collector
        self.logger = logger
    }

    public func run() async {
        collector.start()
        // Returns at the group's graceful shutdown, or throws at its cancellation: either way
        // the intake stops.
        try? await gracefulShutdown()
        collector.stop()
        logger.debug("trace intake stopped")
    }
}
