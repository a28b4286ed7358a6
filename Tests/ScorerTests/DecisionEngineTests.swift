import Forecast
import Foundation
import Testing
@testable import Decisions
@testable import Scorer

private typealias S = ScorerTestSupport

@Suite("Decision engine")
struct DecisionEngineTests {
    /// a (source, full), b and c (checkpoint_restart only, startup 10 s), d (cheap, but
    /// short of memory); links a–b 1e8 B/s 50 ms, a–c 1e7 B/s 100 ms, a–d fast.
    private func costFleet() throws -> Fleet {
        try Fleet(pops: [
            S.pop("a", cpu: 4, memory: 16e9, price: 1.0),
            S.pop("b", cpu: 16, memory: 64e9, price: 0.72, strategies: [.checkpointRestart], startup: 10),
            S.pop("c", cpu: 16, memory: 64e9, price: 0.36, strategies: [.checkpointRestart], startup: 10),
            S.pop("d", cpu: 32, memory: 4e9, price: 0.01, strategies: [.checkpointRestart]),
        ], declaredLinks: [
            S.link("a", "b", bandwidth: 1e8, latency: 0.05),
            S.link("a", "c", bandwidth: 1e7, latency: 0.1),
            S.link("a", "d"),
        ])
    }

    @Test("resize in place when the current POP has headroom; never below usage")
    func resize() throws {
        let fleet = try Fleet(pops: [S.pop("a", cpu: 8, price: 1)], declaredLinks: [])
        var engine = try DecisionEngine(config: S.config(), fleet: fleet, placements: [S.placement("w", on: "a", cpu: 2)])
        let outcome = engine.tick(now: 100, assessments: [S.assess("w", at: 100, risk: 0.9, cpu: 3, usage: 3.8)])
        let decision = try #require(outcome.decisions.first)
        #expect(decision.action == .resize)
        #expect(decision.strategy == .resize)
        #expect(decision.targetPops == ["a"])
        // 3 × 1.2 = 3.6 < usage 3.8: never below usage.
        #expect(decision.targets[0].allocation.cpuCores == 3.8)
        #expect(outcome.commands.count == 1)
        #expect(engine.placements["w"]?.allocation.cpuCores == 3.8, "a resize books its allocation at once")
        #expect(engine.freeCapacity(at: "a").cpuCores == 8 - 3.8)
    }

    @Test("migrate to the feasible POP of least price × remaining + migration cost (hand-worked)")
    func cheapestMigration() throws {
        var engine = try DecisionEngine(config: S.config(), fleet: try costFleet(),
                                        placements: [S.placement("w", on: "a", cpu: 4, stateBytes: 1e9, remaining: 3600)])
        var assessment = S.assess("w", at: 100, risk: 0.8, cpu: 5)
        assessment.plannedDemand.memoryBytes = 8e9   // × 1.2 = 9.6e9: too much for d's 4e9
        let decision = try #require(engine.tick(now: 100, assessments: [assessment]).decisions.first)
        #expect(decision.action == .migrate)
        #expect(decision.targetPops == ["b"])
        #expect(decision.strategy == .checkpointRestart)
        #expect(decision.targets[0].allocation.cpuCores == 6)
        let byName = Dictionary(uniqueKeysWithValues: decision.details.candidates.map { ($0.pop, $0) })
        // b: transfer = 1e9/1e8 + 0.05 = 10.05 s; downtime = dump 2 + 10.05 + restore 2 + startup 10 = 24.05 s;
        // migration = 24.05 × 0.01 + 10.05 × 0.001 = 0.25055; price = 0.72/3600 × 3600 = 0.72; total 0.97055.
        let b = try #require(byName["b"]?.cost)
        #expect(abs(b.transferSeconds - 10.05) < 1e-9)
        #expect(abs(b.downtimeSeconds - 24.05) < 1e-9)
        #expect(abs(b.migrationCost - 0.25055) < 1e-9)
        #expect(abs(b.priceCost - 0.72) < 1e-9)
        #expect(abs(b.totalCost - 0.97055) < 1e-9)
        // c is half the price but its slow link costs more: transfer 100.1 s, downtime 114.1 s,
        // migration 1.141 + 0.1001 = 1.2411, total 1.6011.
        let c = try #require(byName["c"]?.cost)
        #expect(abs(c.totalCost - 1.6011) < 1e-9)
        #expect(byName["c"]?.feasible == true)
        // d is cheapest of all, but ONE resource does not fit.
        let d = try #require(byName["d"])
        #expect(!d.feasible)
        #expect(d.rejections.count == 1)
        #expect(d.rejections[0].hasPrefix("memory_bytes"))
        // The reserved capacity is gone from b until the move finishes.
        #expect(engine.freeCapacity(at: "b").cpuCores == 10)
        #expect(engine.movesInFlight == 1)
    }

    @Test("down and stale POPs are never chosen")
    func downAndStale() throws {
        let fleet = try Fleet(pops: [
            S.pop("a", cpu: 1, price: 1),
            S.pop("down", cpu: 16, price: 0.1, down: true),
            S.pop("stale", cpu: 16, price: 0.1),
            S.pop("silent", cpu: 16, price: 0.1),
            S.pop("fresh", cpu: 16, price: 5),
        ], declaredLinks: ["down", "stale", "silent", "fresh"].map { S.link("a", $0) })
        var engine = try DecisionEngine(config: S.config { $0.staleAfterSeconds = 120 }, fleet: fleet,
                                        placements: [S.placement("w", on: "a", cpu: 1)])
        let seen: [String: Int64] = ["a": 990, "stale": 800, "fresh": 995, "down": 999]
        let decision = try #require(engine.tick(now: 1000, assessments: [S.assess("w", at: 1000, risk: 0.9, cpu: 2)],
                                                popLastSeen: seen).decisions.first)
        #expect(decision.action == .migrate)
        #expect(decision.targetPops == ["fresh"])
        let rejections = Dictionary(uniqueKeysWithValues: decision.details.candidates.map { ($0.pop, $0.rejections) })
        #expect(rejections["down"] == ["down"])
        #expect(rejections["stale"]?.first?.hasPrefix("stale: last report 200 s ago") == true)
        #expect(rejections["silent"]?.first == "stale: its agent has never reported")
    }

    @Test("workloads on a down POP are restarted elsewhere from their last checkpoint, without an assessment")
    func restart() throws {
        let fleet = try Fleet(pops: [
            S.pop("a", cpu: 8, price: 1, down: true),
            S.pop("b", cpu: 8, price: 2, startup: 5),
            S.pop("c", cpu: 8, price: 1, strategies: [.live]),
        ], declaredLinks: [])
        var engine = try DecisionEngine(config: S.config(), fleet: fleet,
                                        placements: [S.placement("w", on: "a", cpu: 2, stateBytes: 1e9, checkpointAt: 777)])
        let outcome = engine.tick(now: 1000, assessments: [])
        let decision = try #require(outcome.decisions.first)
        #expect(decision.action == .restart)
        #expect(decision.targetPops == ["b"], "c cannot restore a checkpoint; no link is needed from the dead POP")
        #expect(decision.checkpointAt == 777)
        #expect(decision.strategy == .checkpointRestart)
        #expect(decision.targets[0].allocation.cpuCores == 2)
        // restart downtime = restore 1e9/5e8 + startup 5 = 7 s.
        #expect(decision.details.candidates.first { $0.pop == "b" }?.cost?.downtimeSeconds == 7)
        #expect(outcome.commands.first?.action == .restart)
        engine.finish(workload: "w", succeeded: true)
        #expect(engine.placements["w"]?.pop == "b")
    }

    @Test("partition when no POP fits the whole demand and the workload is partitionable")
    func partition() throws {
        let fleet = try Fleet(pops: [
            S.pop("a", cpu: 4, price: 1),
            S.pop("b", cpu: 4, price: 1),
            S.pop("c", cpu: 4, price: 3),
        ], declaredLinks: [S.link("a", "b"), S.link("a", "c")])
        let placements = [S.placement("w", on: "a", cpu: 4, parts: 3), S.placement("solo", on: "b", cpu: 1)]
        var engine = try DecisionEngine(config: S.config(), fleet: fleet, placements: placements)
        let decision = try #require(engine.tick(now: 100, assessments: [S.assess("w", at: 100, risk: 0.9, cpu: 5)]).decisions.first)
        // required 6 cores: fits nowhere whole; 2 parts of 3: a (stays, price only) and b (3 free).
        #expect(decision.action == .partition)
        #expect(decision.strategy == .partition)
        #expect(decision.targetPops == ["a", "b"])
        #expect(decision.targets.allSatisfy { $0.allocation.cpuCores == 3 })
        #expect(decision.details.partition?.parts == 2)
        engine.finish(workload: "w", succeeded: true)
        let placed = try #require(engine.placements["w"])
        #expect(placed.pop == "a" && placed.allocation.cpuCores == 3)
        #expect(placed.additionalParts == [PlacementPart(pop: "b", allocation: S.cpu(3))])
        #expect(engine.freeCapacity(at: "b").cpuCores == 0)

        // Not partitionable: nothing feasible.
        var single = try DecisionEngine(config: S.config(), fleet: fleet, placements: [S.placement("w", on: "a", cpu: 4)])
        let none = try #require(single.tick(now: 100, assessments: [S.assess("w", at: 100, risk: 0.9, cpu: 5)]).decisions.first)
        #expect(none.action == .none)
        #expect(none.details.reason.hasPrefix("no feasible POP"))
        #expect(none.details.candidates.allSatisfy { !$0.feasible })
    }

    @Test("live migration only when both POPs and the workload support it")
    func liveOrCheckpoint() throws {
        let fleet = try Fleet(pops: [
            S.pop("a", cpu: 1, price: 1),
            S.pop("live", cpu: 8, price: 1),
            S.pop("ckpt", cpu: 8, price: 1, strategies: [.checkpointRestart]),
        ], declaredLinks: [S.link("a", "live", bandwidth: 1e8, latency: 0.01), S.link("a", "ckpt", bandwidth: 1e8, latency: 0.01)])
        var engine = try DecisionEngine(config: S.config(), fleet: fleet,
                                        placements: [S.placement("w", on: "a", cpu: 1, stateBytes: 1e9, live: true)])
        let live = try #require(engine.tick(now: 100, assessments: [S.assess("w", at: 100, risk: 0.9, cpu: 2)]).decisions.first)
        #expect(live.action == .migrate && live.strategy == .live && live.targetPops == ["live"])
        let liveCost = try #require(live.details.candidates.first { $0.pop == "live" }?.cost)
        // live downtime = 0.05 × 1e9/1e8 + 0.01 = 0.51 s; checkpoint: 2 + 10.01 + 2 + 0 = 14.01 s.
        #expect(abs(liveCost.downtimeSeconds - 0.51) < 1e-9)
        #expect(live.details.candidates.first { $0.pop == "ckpt" }?.strategy == .checkpointRestart)
        #expect(abs((live.details.candidates.first { $0.pop == "ckpt" }?.cost?.downtimeSeconds ?? 0) - 14.01) < 1e-9)

        var noLive = try DecisionEngine(config: S.config(), fleet: fleet,
                                        placements: [S.placement("w", on: "a", cpu: 1, stateBytes: 1e9, live: false)])
        let ckpt = try #require(noLive.tick(now: 100, assessments: [S.assess("w", at: 100, risk: 0.9, cpu: 2)]).decisions.first)
        #expect(ckpt.strategy == .checkpointRestart)
    }

    @Test("hysteresis and cooldown: act at 0.75, hold within cooldown, clear below 0.4, act again after cooldown")
    func hysteresis() throws {
        let fleet = try Fleet(pops: [S.pop("a", cpu: 16, price: 1)], declaredLinks: [])
        var engine = try DecisionEngine(config: S.config(), fleet: fleet, placements: [S.placement("w", on: "a", cpu: 1)])
        func step(_ now: Int64, _ risk: Double, _ cpu: Double) -> Decision {
            engine.tick(now: now, assessments: [S.assess("w", at: now, risk: risk, cpu: cpu)]).decisions[0]
        }
        let first = step(1000, 0.75, 2)
        #expect(first.action == .resize)
        engine.finish(workload: "w", succeeded: true)
        let held = step(1060, 0.5, 3)
        #expect(held.action == .none)
        #expect(held.details.alarmed, "0.5 is above the exit threshold: still alarmed")
        #expect(held.details.cooldownRemainingSeconds == 240)
        let cleared = step(1120, 0.3, 3)
        #expect(cleared.action == .none && !cleared.details.alarmed)
        let again = step(1180, 0.8, 3)
        #expect(again.action == .none && again.details.alarmed)
        #expect(again.details.cooldownRemainingSeconds == 120)
        let later = step(1400, 0.8, 3)
        #expect(later.action == .resize)
        #expect(abs(later.targets[0].allocation.cpuCores - 3.6) < 1e-9)
        // Not alarmed and below the enter threshold: nothing.
        engine.finish(workload: "w", succeeded: true)
        _ = step(1500, 0.1, 3)
        #expect(step(2000, 0.65, 9).action == .none)
    }

    @Test("a breach under way is acted on within the cooldown; a forecast alone is not")
    func breachBypassesCooldown() throws {
        let fleet = try Fleet(pops: [S.pop("a", cpu: 16, price: 1)], declaredLinks: [])
        var engine = try DecisionEngine(config: S.config(), fleet: fleet, placements: [S.placement("w", on: "a", cpu: 1)])
        #expect(engine.tick(now: 1000, assessments: [S.assess("w", at: 1000, risk: 0.9, cpu: 2)]).decisions[0].action == .resize)
        engine.finish(workload: "w", succeeded: true)
        // 60 s later the forecast asks for more: held back by the cooldown.
        let forecastOnly = engine.tick(now: 1060, assessments: [S.assess("w", at: 1060, risk: 0.9, cpu: 3)]).decisions[0]
        #expect(forecastOnly.action == .none && forecastOnly.details.cooldownRemainingSeconds != nil)
        // Usage is above the 2.4 cores it now has: acted on at once, never below usage.
        var breach = S.assess("w", at: 1120, risk: 1, cpu: 3, usage: 2.8)
        breach.breaching = true
        let acted = engine.tick(now: 1120, assessments: [breach]).decisions[0]
        #expect(acted.action == .resize)
        #expect(abs(acted.targets[0].allocation.cpuCores - 3.6) < 1e-9)
    }

    @Test("at most maxConcurrentMigrations moves in flight")
    func concurrencyLimit() throws {
        let fleet = try Fleet(pops: [S.pop("a", cpu: 2, price: 1), S.pop("b", cpu: 64, price: 1)], declaredLinks: [S.link("a", "b")])
        var engine = try DecisionEngine(config: S.config { $0.maxConcurrentMigrations = 1 }, fleet: fleet,
                                        placements: [S.placement("w1", on: "a", cpu: 1), S.placement("w2", on: "a", cpu: 1)])
        let outcome = engine.tick(now: 100, assessments: [S.assess("w1", at: 100, risk: 0.9, cpu: 3),
                                                          S.assess("w2", at: 100, risk: 0.8, cpu: 3)])
        #expect(outcome.decisions.map(\.action) == [.migrate, .none])
        #expect(outcome.decisions[1].details.reason.contains("max concurrent migrations reached"))
        #expect(outcome.commands.count == 1)
        engine.finish(workload: "w1", succeeded: true)
        let next = engine.tick(now: 160, assessments: [S.assess("w2", at: 160, risk: 0.8, cpu: 3)])
        #expect(next.decisions[0].action == .migrate)
    }

    @Test("dry-run decides and explains but emits no commands and keeps no reservations")
    func dryRun() throws {
        let fleet = try Fleet(pops: [S.pop("a", cpu: 2, price: 1), S.pop("b", cpu: 4, price: 1)], declaredLinks: [S.link("a", "b")])
        var engine = try DecisionEngine(config: S.config { $0.dryRun = true }, fleet: fleet,
                                        placements: [S.placement("w1", on: "a", cpu: 1), S.placement("w2", on: "a", cpu: 1)])
        let outcome = engine.tick(now: 100, assessments: [S.assess("w1", at: 100, risk: 0.9, cpu: 3),
                                                          S.assess("w2", at: 100, risk: 0.8, cpu: 3)])
        #expect(outcome.decisions.map(\.action) == [.migrate, .none], "within the tick, w1's reservation is seen by w2")
        #expect(outcome.decisions.allSatisfy { $0.details.dryRun })
        #expect(outcome.commands.isEmpty)
        #expect(engine.inFlight.isEmpty)
        #expect(engine.freeCapacity(at: "b").cpuCores == 4)
    }

    @Test("two workloads competing for one POP: the riskier one gets it, the other is told why not")
    func competition() throws {
        let fleet = try Fleet(pops: [S.pop("a", cpu: 2, price: 1), S.pop("b", cpu: 8, price: 1)], declaredLinks: [S.link("a", "b")])
        var engine = try DecisionEngine(config: S.config(), fleet: fleet,
                                        placements: [S.placement("low", on: "a", cpu: 1), S.placement("high", on: "a", cpu: 1)])
        let outcome = engine.tick(now: 100, assessments: [S.assess("low", at: 100, risk: 0.8, cpu: 5),
                                                          S.assess("high", at: 100, risk: 0.95, cpu: 5)])
        #expect(outcome.decisions.map(\.workload) == ["high", "low"])
        #expect(outcome.decisions[0].action == .migrate && outcome.decisions[0].targetPops == ["b"])
        let loser = outcome.decisions[1]
        #expect(loser.action == .none)
        #expect(loser.details.reason.hasPrefix("no feasible POP"))
        #expect(loser.details.candidates.first?.rejections == ["cpu_cores: needs 6.0, free 2.0"])
    }

    @Test("a failed migration leaves the workload at its source and releases the reservation; a failed resize is undone")
    func failure() throws {
        let fleet = try Fleet(pops: [S.pop("a", cpu: 2, price: 1), S.pop("b", cpu: 10, price: 1)], declaredLinks: [S.link("a", "b")])
        var engine = try DecisionEngine(config: S.config(), fleet: fleet,
                                        placements: [S.placement("w", on: "a", cpu: 1), S.placement("r", on: "b", cpu: 1)])
        let outcome = engine.tick(now: 100, assessments: [S.assess("w", at: 100, risk: 0.9, cpu: 5),
                                                          S.assess("r", at: 100, risk: 0.8, cpu: 2)])
        #expect(outcome.decisions.map(\.action) == [.migrate, .resize])
        #expect(abs(engine.freeCapacity(at: "b").cpuCores - (10 - 6 - 2.4)) < 1e-9)
        let failedMove = engine.finish(workload: "w", succeeded: false)
        let failedResize = engine.finish(workload: "r", succeeded: false)
        let again = engine.finish(workload: "w", succeeded: true)
        #expect(failedMove && failedResize)
        #expect(!again, "nothing in flight any more")
        #expect(engine.placements["w"]?.pop == "a")
        #expect(engine.placements["r"]?.allocation.cpuCores == 1)
        #expect(engine.freeCapacity(at: "b").cpuCores == 9)
    }

    @Test("details encode as snake_case JSON and decode back to the same decision")
    func detailsJSON() throws {
        var engine = try DecisionEngine(config: S.config(), fleet: try costFleet(),
                                        placements: [S.placement("w", on: "a", cpu: 4)])
        let decision = try #require(engine.tick(now: 100, assessments: [S.assess("w", at: 100, risk: 0.8, cpu: 5)]).decisions.first)
        let json = try DecisionJSON.encode(decision)
        #expect(json.contains("\"enter_threshold\":0.7"))
        #expect(json.contains("\"required_allocation\":{\"cpu_cores\":6"))
        #expect(json.contains("\"total_cost\""))
        #expect(!json.contains("NaN"))
        #expect(try DecisionJSON.decode(Decision.self, from: json) == decision)
    }

    @Test("an invalid config is refused with the field named")
    func invalidConfig() throws {
        let fleet = try Fleet(pops: [S.pop("a", cpu: 1, price: 1)], declaredLinks: [])
        #expect(throws: DecisionConfigError.outOfRange(field: "exit_threshold", value: 0.8, expected: "0…enter_threshold (0.7)")) {
            _ = try DecisionEngine(config: S.config { $0.exitThreshold = 0.8 }, fleet: fleet, placements: [])
        }
    }
}
