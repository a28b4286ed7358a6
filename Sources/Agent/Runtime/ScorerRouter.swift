import Foundation
import Resources

/// The agent's scorers by shard (`[[scorers]]` in the fleet file; one scorer when it has
/// `scorer_url` only): each workload's samples and trace events go to the scorer that owns
/// it (`WorkloadShard` of the workload's name, the hash the scorers use), commands are
/// pulled from every scorer and each is reported to the scorer that listed it.
///
/// **Retries.** A part of a batch that a scorer did not acknowledge because it could not
/// be reached or answered 5xx (it was down or restarting, or its store failed) is kept and
/// sent again, oldest first, before that scorer's next part; at most `maximumQueuedBatches`
/// per scorer are kept (the oldest dropped beyond, and counted). A 4xx is final (the
/// scorer refused it whole; a retry would be refused again): it is logged and dropped.
/// Samples already stored by an earlier attempt come back as duplicates, which the scorer
/// counts and skips, so a retry never double-counts.
public final class ScorerRouter: @unchecked Sendable {
    /// Clients by shard index (one: an unsharded fleet).
    public let clients: [ScorerClient]
    /// Unacknowledged parts per shard, oldest first.
    private var queued: [[SampleBatchBody]]
    /// Parts dropped because a scorer's queue was full, per shard.
    public private(set) var droppedBatches: [Int]
    public var maximumQueuedBatches = 120
    /// Which scorer listed each command (reports go back to it).
    private var commandOwners: [Int64: Int] = [:]

    public init(clients: [ScorerClient]) {
        self.clients = clients
        queued = Array(repeating: [], count: clients.count)
        droppedBatches = Array(repeating: 0, count: clients.count)
    }

    /// The shard that owns `workload`.
    public func shard(of workload: String) -> Int { WorkloadShard.index(of: workload, count: clients.count) }

    /// Unacknowledged parts waiting for shard `index`.
    public func queuedCount(shard index: Int) -> Int { queued[index].count }

    /// `batch` split by owner: element i holds shard i's samples, trace events, allocations,
    /// checkpoints and live-migratable names (each with the batch's `pop`), possibly empty.
    public func split(_ batch: SampleBatchBody) -> [SampleBatchBody] {
        guard clients.count > 1 else { return [batch] }
        var parts = clients.indices.map { _ in SampleBatchBody(pop: batch.pop) }
        for sample in batch.samples { parts[shard(of: sample.workload)].samples.append(sample) }
        for event in batch.traces {
            parts[event.workload.map(shard(of:)) ?? 0].traces.append(event)
        }
        for (name, allocation) in batch.allocations { parts[shard(of: name)].allocations[name] = allocation }
        for (name, checkpoint) in batch.checkpoints { parts[shard(of: name)].checkpoints[name] = checkpoint }
        for name in batch.liveMigratable { parts[shard(of: name)].liveMigratable.insert(name) }
        return parts
    }

    /// One outcome of `push` per shard.
    public struct PushOutcome: Sendable {
        public var shard: Int
        /// Parts acknowledged (queued ones included).
        public var sent: Int
        /// Parts left queued for the next round.
        public var queued: Int
        /// The last failure, if any; `final` when it was a 4xx (the part was dropped).
        public var failure: ScorerClient.ClientError?
        public var final: Bool
    }

    /// Sends each shard its part of `batch` after any queued parts (a shard with nothing to
    /// send, queued or new, gets a heartbeat for the batch's POP, so every scorer knows the
    /// POP is alive).
    public func push(_ batch: SampleBatchBody) -> [PushOutcome] {
        var outcomes: [PushOutcome] = []
        for (index, part) in split(batch).enumerated() {
            let empty = part.samples.isEmpty && part.traces.isEmpty
            if !empty { enqueue(part, shard: index) }
            var outcome = PushOutcome(shard: index, sent: 0, queued: 0, failure: nil, final: false)
            if queued[index].isEmpty {
                if let pop = batch.pop, case let .failure(error) = clients[index].heartbeat(pop: pop) { outcome.failure = error }
                outcomes.append(outcome)
                continue
            }
            sending: while let next = queued[index].first {
                switch clients[index].push(next) {
                case .success:
                    queued[index].removeFirst()
                    outcome.sent += 1
                case let .failure(error):
                    outcome.failure = error
                    guard case let .status(code, _) = error, code < 500 else { break sending }  // kept for the next round
                    // Refused whole, and would be again: drop it, go on with the rest.
                    queued[index].removeFirst()
                    outcome.final = true
                }
            }
            outcome.queued = queued[index].count
            outcomes.append(outcome)
        }
        return outcomes
    }

    private func enqueue(_ part: SampleBatchBody, shard index: Int) {
        queued[index].append(part)
        if queued[index].count > maximumQueuedBatches {
            queued[index].removeFirst(queued[index].count - maximumQueuedBatches)
            droppedBatches[index] += 1
        }
    }

    /// `POST /v1/agents/{pop}/heartbeat` to every scorer; the first failure, if any.
    public func heartbeat(pop: String) -> ScorerClient.ClientError? {
        var first: ScorerClient.ClientError?
        for client in clients { if case let .failure(error) = client.heartbeat(pop: pop), first == nil { first = error } }
        return first
    }

    /// `pop`'s pending and running commands from every scorer (by id), and the scorers that
    /// could not be asked.
    public func commands(pop: String) -> (commands: [AgentCommand], failures: [(shard: Int, error: ScorerClient.ClientError)]) {
        var commands: [AgentCommand] = []
        var failures: [(shard: Int, error: ScorerClient.ClientError)] = []
        for (index, client) in clients.enumerated() {
            switch client.commands(pop: pop) {
            case let .success(list):
                for command in list {
                    commandOwners[command.id] = index
                    commands.append(command)
                }
            case let .failure(error): failures.append((index, error))
            }
        }
        // Ids are the shared store's migration ids, unique across scorers.
        return (commands.sorted { $0.id < $1.id }, failures)
    }

    /// Reports `command`'s result to the scorer that listed it (the first when unknown).
    public func report(pop: String, command: Int64, _ result: ExecutionResult) -> Result<ScorerClient.Response, ScorerClient.ClientError> {
        clients[commandOwners[command] ?? 0].report(pop: pop, command: command, result)
    }
}
