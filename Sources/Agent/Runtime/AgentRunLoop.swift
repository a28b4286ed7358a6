import Foundation
import Logging
import Resources

#if canImport(Glibc)
import Glibc
#endif

/// `headroom-agent run`'s loop, one thread: every `sampleIntervalSeconds` it samples each
/// running workload's cgroup, pushes one batch per POP to the scorer — split by owner
/// across sharded scorers, unacknowledged parts kept and re-sent (`ScorerRouter`) — (its
/// heartbeat too; an explicit heartbeat when a POP has nothing to report), pulls the POPs' commands and
/// executes the pending ones (reporting `running`, then `done` or `failed` with the steps),
/// notices exits and OOM kills, and writes `status.json`. Executors that wait keep the
/// sampling going through `LocalFleet.idle`. With a trace collector, each round also
/// samples the workloads' kernel states and sends the buffered trace events in the same
/// batches (`AgentRunLoop+Traces`).
///
/// `stop()` drains: the round under way finishes its batch sends and the command it is
/// executing, no further command is started (the scorer keeps it pending for the next
/// agent), and `run` returns. `AgentLoopService` runs it as a swift-service-lifecycle
/// service, so SIGTERM and SIGINT reach it as a graceful shutdown.
public final class AgentRunLoop {
    public let fleet: LocalFleet
    /// The scorers, by shard (`ScorerRouter`: one for an unsharded fleet).
    public let scorers: ScorerRouter
    /// The first shard's scorer (the only one of an unsharded fleet).
    public var client: ScorerClient { scorers.clients[0] }
    public let dispatcher: CommandDispatcher
    /// The trace intake and kernel-state sampling; nil: no trace events are sent.
    public let traces: WorkloadTraceCollector?
    /// Trace events sent per round at most, over all POPs, and their estimated JSON size:
    /// a batch stays well under the scorer's defaults (10 000 events, 1 MiB bodies); the
    /// rest wait in the buffer for the next round.
    public var maximumTracesPerRound = 5_000
    public var maximumTraceBytesPerRound = 512 << 10
    /// The collector's counters at the last drop report (`AgentRunLoop+Traces`).
    var reportedTraceCounters: WorkloadTraceCollector.Counters?
    /// Stop once every workload has finished or failed (the live scenario's agent).
    public var exitWhenDone = false
    /// The loop's events (failed pushes, pulls and reports; dropped values and trace
    /// events), with `pop` metadata; silent unless the agent gives it a handler.
    public var logger: Logger
    private let stopFlag = StopFlag()
    private var samplers: [String: Sampler<CgroupSource>] = [:]
    private var lastTick = -Double.infinity
    private var reported: [Int64: ExecutionResult.State] = [:]
    private var inIdle = false

    public convenience init(fleet: LocalFleet, client: ScorerClient, dispatcher: CommandDispatcher, traces: WorkloadTraceCollector? = nil,
                            logger: Logger = AgentLogging.silent("headroom.agent.loop")) {
        self.init(fleet: fleet, scorers: ScorerRouter(clients: [client]), dispatcher: dispatcher, traces: traces, logger: logger)
    }

    public init(fleet: LocalFleet, scorers: ScorerRouter, dispatcher: CommandDispatcher, traces: WorkloadTraceCollector? = nil,
                logger: Logger = AgentLogging.silent("headroom.agent.loop")) {
        self.fleet = fleet
        self.logger = logger
        self.scorers = scorers
        self.dispatcher = dispatcher
        self.traces = traces
        fleet.idle = { [unowned self] in
            guard !self.inIdle else { return }
            self.inIdle = true
            defer { self.inIdle = false }
            if MonotonicClock.seconds() - self.lastTick >= self.fleet.config.sampleIntervalSeconds { self.sampleAndPush() }
        }
        fleet.progress = { [unowned self] command, result in
            let reportPOP = self.fleet.config.pop(named: command.sourcePop) != nil ? command.sourcePop : (command.targets.first?.pop ?? command.sourcePop)
            self.report(pop: reportPOP, command: command.id, result)
        }
    }

    /// Asks the loop to stop once the round under way has sent its batches and finished the
    /// command it is executing (thread-safe: called from the service group's task).
    public func stop() { stopFlag.set() }

    public var stopped: Bool { stopFlag.isSet }

    /// Runs until `stop()` (or, with `exitWhenDone`, until nothing is left running). The
    /// caller sets up and tears down the fleet.
    public func run() {
        let interval = fleet.config.sampleIntervalSeconds
        while !stopFlag.isSet {
            let started = MonotonicClock.seconds()
            tick()
            if exitWhenDone, fleet.workloads.values.allSatisfy({ $0.state != .running && $0.state != .partitioned }) {
                logger.info("every workload has finished or failed; stopping")
                break
            }
            while !stopFlag.isSet, MonotonicClock.seconds() - started < interval { usleep(20_000) }
        }
        fleet.writeStatus()
    }

    /// One round: poll processes, sample and push, then commands (none once stopping).
    public func tick() {
        fleet.poll()
        sampleAndPush()
        for pop in fleet.config.pops.map(\.name) where !stopFlag.isSet { pullCommands(pop: pop) }
        fleet.poll()
        fleet.writeStatus()
    }

    /// Samples every running workload (and partition part) and pushes one batch per POP,
    /// with the trace events buffered since the last round.
    func sampleAndPush() {
        lastTick = MonotonicClock.seconds()
        let now = MonotonicClock.seconds()
        let timestamp = Int64(Date().timeIntervalSince1970)
        var batches: [String: SampleBatchBody] = [:]
        for pop in fleet.config.pops { batches[pop.name] = SampleBatchBody(pop: pop.name) }
        var live: Set<String> = []
        var refused: [String] = []
        for workload in fleet.workloads.values {
            var cgroups: [(String, String)] = []
            if workload.state == .running { cgroups.append((workload.cgroup, workload.pop)) }
            if workload.state == .partitioned { cgroups += workload.parts.map { ($0.cgroup, $0.pop) } }
            for (cgroup, pop) in cgroups {
                live.insert(cgroup)
                var sampler = samplers[cgroup] ?? Sampler(source: CgroupSource(path: cgroup, reader: fleet.runtime.reader))
                let vector: ResourceVector?
                do { vector = try sampler.sample(atMonotonicSeconds: now) } catch {
                    vector = nil
                }
                samplers[cgroup] = sampler
                guard let vector else { continue }
                var values: [String: Double] = [:]
                for resource in Resource.allCases where vector[resource].isFinite {
                    // The scorer refuses a whole batch for one value `InputRules` refuses (a
                    // counter that went backwards, a garbage read): leave such a value out.
                    if let violation = InputRules.valueViolation(vector[resource], resource: resource) {
                        refused.append("\(workload.name) \(violation)")
                        continue
                    }
                    values[resource.snakeCaseName] = vector[resource]
                }
                batches[pop]?.samples.append(.init(workload: workload.name, timestamp: timestamp, values: values))
                batches[pop]?.allocations[workload.name] = workload.limits.vector
                if let checkpoint = workload.lastCheckpointAt { batches[pop]?.checkpoints[workload.name] = checkpoint }
                if workload.spec.vm != nil { batches[pop]?.liveMigratable.insert(workload.name) }
            }
        }
        if let first = refused.first {
            logger.warning("left out \(refused.count) sampled value(s) the scorer would refuse, e.g. \(first)")
        }
        for cgroup in samplers.keys where !live.contains(cgroup) { samplers[cgroup] = nil }
        collectTraces(into: &batches)
        for (pop, batch) in batches.sorted(by: { $0.key < $1.key }) {
            for outcome in scorers.push(batch) {
                guard let error = outcome.failure else { continue }
                let scorer = scorers.clients.count > 1 ? " to scorer \(outcome.shard) (\(scorers.clients[outcome.shard].baseURL.absoluteString))" : ""
                if outcome.final {
                    logger.pop(pop).error("sample push\(scorer) refused: \(error); that batch is dropped")
                } else {
                    logger.pop(pop).error("sample push or heartbeat\(scorer) failed: \(error); \(outcome.queued) batch(es) kept to send again")
                }
            }
        }
    }

    /// Pulls `pop`'s commands and executes the pending ones this agent has not finished.
    func pullCommands(pop: String) {
        let (commands, failures) = scorers.commands(pop: pop)
        for failure in failures {
            let scorer = scorers.clients.count > 1 ? " from scorer \(failure.shard)" : ""
            logger.pop(pop).error("cannot pull commands\(scorer): \(failure.error)")
        }
        for command in commands where reported[command.id] == nil || reported[command.id] == .running {
            if stopFlag.isSet {
                logger.pop(pop).notice("stopping: command \(command.id) is left to the next run")
                return
            }
            // A command for a move between two of our POPs is listed under both: run it once,
            // reported under its source.
            let reportPOP = fleet.config.pop(named: command.sourcePop) != nil ? command.sourcePop : pop
            if let recorded = fleet.journal.result(command: command.id) {
                report(pop: reportPOP, command: command.id, recorded)
                continue
            }
            report(pop: reportPOP, command: command.id, ExecutionResult(state: .running, steps: fleet.journal.steps(command: command.id), message: "started"))
            let result = dispatcher.execute(command, fleet: fleet)
            report(pop: reportPOP, command: command.id, result)
        }
    }

    private func report(pop: String, command: Int64, _ result: ExecutionResult) {
        switch scorers.report(pop: pop, command: command, result) {
        case .success: reported[command] = result.state
        case let .failure(error):
            logger.pop(pop).error("cannot report command \(command) as \(result.state.rawValue): \(error)", metadata: ["command": "\(command)"])
            // A 404/409 means the scorer no longer expects it: do not retry forever.
            if case let .status(code, _) = error, code == 404 || code == 409 { reported[command] = result.state }
        }
    }
}

/// A flag set from any thread (the service group's shutdown handler) and read by the loop.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}
