import Forecast
import Foundation
import Testing
@testable import Decisions
@testable import Scorer
@testable import Store

private typealias S = ScorerTestSupport

@Suite("Decision journal")
struct DecisionJournalTests {
    private func fleet() throws -> Fleet {
        try Fleet(pops: [S.pop("a", cpu: 5, price: 1), S.pop("b", cpu: 16, price: 1)], declaredLinks: [S.link("a", "b")])
    }

    /// One tick with a migrate (m), a resize (r) and a none (q).
    private func tick(_ engine: inout DecisionEngine) -> TickOutcome {
        engine.tick(now: 1000, assessments: [
            S.assess("m", at: 1000, risk: 0.95, cpu: 5),
            S.assess("r", at: 1000, risk: 0.9, cpu: 1.5),
            S.assess("q", at: 1000, risk: 0.1, cpu: 1),
        ])
    }

    private func placements() -> [Placement] {
        [S.placement("m", on: "a", cpu: 2), S.placement("r", on: "a", cpu: 1), S.placement("q", on: "a", cpu: 0.5)]
    }

    @Test("decisions and pending migrations are written in one go; states advance; unfinished ones resume after a crash",
          arguments: ScorerTestSupport.Kind.allCases)
    func roundTripAndResume(_ kind: ScorerTestSupport.Kind) throws {
        let (store, directory) = try S.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fleet = try fleet()
        let popIds = try fleet.sync(to: store)
        var engine = try DecisionEngine(config: S.config(), fleet: fleet, placements: placements())
        let outcome = tick(&engine)
        #expect(outcome.decisions.map(\.action) == [.migrate, .resize, .none])

        let journal = DecisionJournal(store: store)
        let entries = try journal.record(outcome.decisions)
        #expect(entries.map { $0.migrationId != nil } == [true, true, false])
        let (decisionRows, migrationRows, workloads) = (try store.allDecisions(), try store.allMigrations(), try store.workloads())
        #expect(decisionRows.map(\.action) == [.migrate, .resize, .none])
        #expect(Set(workloads.map(\.name)) == ["m", "r", "q"], "workload rows are created by name")
        #expect(decisionRows[0].sourcePopId == popIds["a"] && decisionRows[0].targetPopId == popIds["b"])
        #expect(decisionRows[0].resourceAtRisk == "cpu_cores")
        let stored = try DecisionJSON.decode(Decision.self, from: try #require(decisionRows[0].details))
        #expect(stored == outcome.decisions[0])
        #expect(migrationRows.map(\.state) == [.pending, .pending])
        #expect(migrationRows.map(\.strategy) == [.live, .resize] || migrationRows.map(\.strategy) == [.checkpointRestart, .resize])
        #expect(migrationRows[0].decisionId == entries[0].decisionId)

        // The migrate starts; the resize stays pending. Then the scorer "crashes".
        let moveId = try #require(entries[0].migrationId)
        let resizeId = try #require(entries[1].migrationId)
        try journal.markRunning(migrationId: moveId, steps: ["checkpoint"])
        #expect(try journal.steps(migrationId: moveId) == ["checkpoint"])

        let reopened = kind != .memory ? try HeadroomStore(path: try #require(store.path)) : store
        let resumed = DecisionJournal(store: reopened)
        let unfinished = try resumed.unfinished()
        #expect(unfinished.map(\.migration.id) == [moveId, resizeId])
        #expect(unfinished.map(\.rule) == [.rollBack, .reissue])
        #expect(unfinished[0].decision == outcome.decisions[0])

        // A new engine re-books what is re-issued and rolls back the rest.
        var fresh = try DecisionEngine(config: S.config(), fleet: fleet, placements: placements())
        for item in unfinished {
            switch item.rule {
            case .reissue: fresh.resume(item.decision)
            case .rollBack: try resumed.markRolledBack(migrationId: try #require(item.migration.id), at: 1100)
            }
        }
        #expect(abs((fresh.placements["r"]?.allocation.cpuCores ?? 0) - 1.5 * 1.2) < 1e-12)
        #expect(fresh.inFlight.keys.sorted() == ["r"])
        try resumed.markDone(migrationId: resizeId, at: 1101, steps: ["set_limits"], movedBytes: 0, downtimeMs: 0)
        #expect(try resumed.unfinished().isEmpty)
        let states = try reopened.allMigrations()
        #expect(states.map(\.state) == [.rolledBack, .done])
        #expect(states[1].journal == "[\"set_limits\"]" && states[1].finishedAt == 1101)
    }

    @Test("a failed migration is journaled as failed with its steps", arguments: ScorerTestSupport.Kind.allCases)
    func failed(_ kind: ScorerTestSupport.Kind) throws {
        let (store, directory) = try S.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fleet = try fleet()
        try fleet.sync(to: store)
        var engine = try DecisionEngine(config: S.config(), fleet: fleet, placements: placements())
        let entries = try DecisionJournal(store: store).record(tick(&engine).decisions)
        let id = try #require(entries[0].migrationId)
        try DecisionJournal(store: store).markFailed(migrationId: id, at: 1200, steps: ["checkpoint", "transfer"])
        let row = try store.migration(id: id)
        #expect(row?.state == .failed && row?.finishedAt == 1200)
        #expect(try DecisionJournal(store: store).unfinished().map(\.migration.id) == [entries[1].migrationId])
    }

    @Test("dry-run decisions are journaled without migrations")
    func dryRun() throws {
        let store = try HeadroomStore()
        let fleet = try fleet()
        try fleet.sync(to: store)
        var engine = try DecisionEngine(config: S.config { $0.dryRun = true }, fleet: fleet, placements: placements())
        let entries = try DecisionJournal(store: store).record(tick(&engine).decisions)
        #expect(entries.count == 3 && entries.allSatisfy { $0.migrationId == nil })
        let (decisions, migrations) = (try store.allDecisions().count, try store.allMigrations().count)
        #expect(decisions == 3 && migrations == 0)
    }

    @Test("a POP missing from the store is a clear error")
    func unsyncedPOP() throws {
        let store = try HeadroomStore()
        var engine = try DecisionEngine(config: S.config(), fleet: try fleet(), placements: placements())
        #expect(throws: JournalError.unknownPOP("a")) { try DecisionJournal(store: store).record(tick(&engine).decisions) }
    }
}
