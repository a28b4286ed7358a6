import Agent
import Foundation
import Hummingbird
import Resources
import ScorerIntake
import Store
import Testing
import Wire

/// Commands go from the scorer to the agent and reports come back, each through one type.
@Suite("Wire: commands and their reports")
struct CommandBodyTests {
    static func command(_ id: Int64, progress: MigrationProgress? = nil) -> CommandBody {
        var allocation = ResourceVector.absent
        allocation.cpuCores = 1.5
        allocation.memoryBytes = 536_870_912
        allocation.networkReceiveBytesPerSecond = 1e8
        return CommandBody(id: id, decisionId: 31, workload: "w", action: .migrate, strategy: "checkpoint_restart", state: "running",
                           sourcePop: "a", targets: [.init(pop: "b", allocation: allocation), .init(pop: "c", allocation: .absent)],
                           checkpointAt: 1_700_000_000, issuedAt: 1_700_000_300, steps: ["dumped"], progress: progress)
    }

    /// The scorer's response encoder (`ScorerRoutes.encoded`): snake_case keys, sorted.
    static func scorerEncoded<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(value)
    }

    @Test("the list the scorer encodes is the list the agent decodes, and the executors get cgroup limits")
    func listRoundTrip() throws {
        let progress = MigrationProgress(transferredBytes: 1e6, remainingBytes: 2e6, totalBytes: 3e6, dirtyBytesPerSecond: 4096, rounds: 2)
        let list = CommandListBody(pop: "a", commands: [Self.command(7, progress: progress), Self.command(8)])
        let data = try Self.scorerEncoded(list)
        #expect(data == (try WireJSON.encode(list)), "the scorer's snake_case strategy leaves the wire's keys as they are")
        let decoded = try WireJSON.decode(CommandListBody.self, from: data, what: "a command list")
        #expect(decoded == list)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let first = try #require((object["commands"] as? [[String: Any]])?.first)
        #expect(first["source_pop"] as? String == "a" && first["decision_id"] as? Int == 31 && first["issued_at"] as? Int == 1_700_000_300)
        let targets = try #require(first["targets"] as? [[String: Any]])
        #expect((targets[0]["allocation"] as? [String: Any])?.keys.sorted() == ["cpu_cores", "memory_bytes", "network_receive_bytes_per_second"])
        #expect((targets[1]["allocation"] as? [String: Any])?.isEmpty == true, "nothing allocated is an empty object")

        let command = AgentCommand(decoded.commands[0])
        #expect(command == AgentCommand(id: 7, workload: "w", action: .migrate, strategy: "checkpoint_restart", sourcePop: "a",
                                        targets: [.init(pop: "b", allocation: ResourceLimits(cpuCores: 1.5, memoryBytes: 536_870_912)),
                                                  .init(pop: "c", allocation: .unlimited)],
                                        state: "running"))
    }

    @Test("the agent skips fields it does not know (a newer scorer may add some)")
    func listForwardCompatible() throws {
        let text = #"{"pop":"a","commands":[{"id":1,"workload":"w","action":"resize","strategy":"resize","state":"pending","source_pop":"a","#
            + #""targets":[{"pop":"a","allocation":{"cpu_cores":2}}],"issued_at":5,"steps":[],"priority":"high"}]}"#
        let list = try WireJSON.decode(CommandListBody.self, from: Data(text.utf8), what: "a command list")
        #expect(list.commands.map(\.id) == [1] && list.commands[0].targets[0].allocation.cpuCores == 2)
    }

    @Test("an executor's report reaches the scorer as sent; moved bytes and downtime only with done")
    func reportRoundTrip() throws {
        let progress = MigrationProgress(transferredBytes: 5e8, remainingBytes: 0, totalBytes: 5e8, dirtyBytesPerSecond: 1e6, rounds: 3)
        let done = ExecutionResult(state: .done, steps: ["migrated", "started_at_target"], message: "ok", movedBytes: 5e8, downtimeMs: 42,
                                   progress: progress)
        let body = CommandReportBody(done)
        let parsed = try CommandReportBody.parse(ByteBuffer(data: try WireJSON.encode(body)))
        #expect(parsed == body)
        #expect(parsed == CommandReportBody(state: .done, steps: ["migrated", "started_at_target"], movedBytes: 5e8, downtimeMs: 42, progress: progress))

        let running = ExecutionResult(state: .running, steps: ["migrating"], message: "copying", movedBytes: 1e8, progress: progress)
        let parsedRunning = try CommandReportBody.parse(ByteBuffer(data: try WireJSON.encode(CommandReportBody(running))))
        #expect(parsedRunning == CommandReportBody(state: .running, steps: ["migrating"], progress: progress))
    }

    @Test("strict decoding of reports: each bad body a 400 naming the field", arguments: [
        (#"{"state": "finished"}"#, "state: \"finished\"; expected \"running\", \"done\" or \"failed\""),
        (#"{"steps": []}"#, "state: missing"),
        (#"{"state": "done", "moved": 1}"#, "unknown field \"moved\""),
        (#"{"state": "done", "moved_bytes": -1}"#, "moved_bytes: -1.0; expected a number ≥ 0"),
        (#"{"state": "done", "steps": [1]}"#, "steps[0]: expected a string"),
        (#"{"state": "running", "progress": {"transferred_bytes": 1}}"#, "progress.remaining_bytes: missing"),
        (#"{"state": "running", "progress": {"transferred": 1}}"#, "progress: unknown field \"transferred\""),
        ("[]", "body is not a command acknowledgement"),
    ])
    func reportRejects(text: String, fragment: String) {
        do {
            let body = try CommandReportBody.parse(ByteBuffer(string: text))
            Issue.record("accepted \(text) as \(body)")
        } catch let error as HTTPError {
            #expect(error.status == .badRequest)
            #expect((error.body ?? "").contains(fragment), "\(text) → \(error.body ?? "")")
        } catch {
            Issue.record("\(text) → \(error)")
        }
    }

    @Test("the journal's actions and the wire's have the same names")
    func actionNames() {
        #expect(Set(DecisionAction.allCases.map(\.rawValue)) == Set(CommandBody.Action.allCases.map(\.rawValue)))
    }
}
