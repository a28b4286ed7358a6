import Forecast
import Foundation
import Testing
@testable import Decisions
@testable import Scorer

private typealias S = ScorerTestSupport

/// The engine's side of sharded scorers: what other shards use counts against a POP's free
/// capacity, and a decision whose capacity cannot be booked is not applied.
@Suite("Decision engine: capacity booked outside the engine")
struct DecisionEngineBookingTests {
    @Test("external usage makes a POP look fuller: a resize that fitted becomes a migration")
    func externalUsage() throws {
        let fleet = try Fleet(pops: [S.pop("a", cpu: 8, price: 1), S.pop("b", cpu: 8, price: 2)], declaredLinks: [S.link("a", "b")])
        var engine = try DecisionEngine(config: S.config(), fleet: fleet, placements: [S.placement("w", on: "a", cpu: 2)])
        #expect(engine.freeCapacity(at: "a").cpuCores == 6)
        var others = CapacityArithmetic.zero
        others.cpuCores = 5
        engine.externalUsage = ["a": others]
        // 8 − 2 (w) − 5 (others) = 1 left; without w's own footprint 3.
        #expect(engine.freeCapacity(at: "a").cpuCores == 1)
        #expect(engine.freeCapacity(at: "a", excluding: "w").cpuCores == 3)
        // w needs 3 × 1.2 = 3.6 > 3: it must move to b.
        let decision = try #require(engine.tick(now: 100, assessments: [S.assess("w", at: 100, risk: 0.9, cpu: 3)]).decisions.first)
        #expect(decision.action == .migrate)
        #expect(decision.targetPops == ["b"])
    }

    @Test("the booker is asked with the footprints the decision would leave; a refusal is a `none` with its reason and nothing applied")
    func bookerRefusal() throws {
        let fleet = try Fleet(pops: [S.pop("a", cpu: 8, price: 1), S.pop("b", cpu: 8, price: 2)], declaredLinks: [S.link("a", "b")])
        let placements = [S.placement("w", on: "a", cpu: 2), S.placement("v", on: "a", cpu: 7.5)]
        var engine = try DecisionEngine(config: S.config(), fleet: fleet, placements: placements)
        var asked: [(String, [String: ResourceVector])] = []
        // a holds w (2) and v (7.5), over its 8 cores already: w's 3.6 can only go to b.
        // The booker refuses that move.
        let outcome = engine.tick(now: 100, assessments: [S.assess("w", at: 100, risk: 0.9, cpu: 3)], book: { decision, footprints in
            asked.append((decision.workload, footprints))
            return "cpu_cores at b is booked by other workloads: needs 3.6, 1 left"
        })
        let decision = try #require(outcome.decisions.first)
        #expect(decision.action == .none)
        #expect(decision.details.reason.contains("would migrate"), "\(decision.details.reason)")
        #expect(decision.details.reason.hasSuffix("the capacity could not be booked: cpu_cores at b is booked by other workloads: needs 3.6, 1 left"))
        #expect(outcome.commands.isEmpty)
        #expect(engine.inFlight["w"] == nil && engine.movesInFlight == 0, "nothing applied")
        #expect(engine.freeCapacity(at: "b").cpuCores == 8)
        #expect(engine.alarms["w"]?.lastActionAt == nil, "no action: no cooldown")
        // What it was asked: w holds 2 cores at a and would reserve 3.6 at b.
        let (name, footprints) = try #require(asked.first)
        #expect(name == "w")
        #expect(footprints["a"]?.cpuCores == 2)
        #expect(footprints["b"]?.cpuCores == 3 * 1.2)

        // Accepted next tick: applied, and the footprints asked are what the engine then holds.
        var booked: [String: ResourceVector] = [:]
        let next = engine.tick(now: 200, assessments: [S.assess("w", at: 200, risk: 0.9, cpu: 3)], book: { _, footprints in
            booked = footprints
            return nil
        })
        #expect(next.decisions.first?.action == .migrate)
        #expect(engine.footprints(of: "w") == booked)
        #expect(engine.freeCapacity(at: "b").cpuCores == 8 - 3 * 1.2)
    }

    @Test("a resize's footprints: the new allocation at its POP only")
    func resizeFootprints() throws {
        let fleet = try Fleet(pops: [S.pop("a", cpu: 8, price: 1)], declaredLinks: [])
        var engine = try DecisionEngine(config: S.config(), fleet: fleet, placements: [S.placement("w", on: "a", cpu: 2)])
        var asked: [String: ResourceVector] = [:]
        let outcome = engine.tick(now: 100, assessments: [S.assess("w", at: 100, risk: 0.9, cpu: 3)], book: { _, footprints in
            asked = footprints
            return nil
        })
        #expect(outcome.decisions.first?.action == .resize)
        #expect(Array(asked.keys) == ["a"])
        #expect(asked["a"]?.cpuCores == 3 * 1.2)
        #expect(engine.footprints(of: "w") == asked)
    }

    @Test("a dry run books nothing")
    func dryRun() throws {
        let fleet = try Fleet(pops: [S.pop("a", cpu: 8, price: 1)], declaredLinks: [])
        var config = S.config()
        config.dryRun = true
        var engine = try DecisionEngine(config: config, fleet: fleet, placements: [S.placement("w", on: "a", cpu: 2)])
        var calls = 0
        let outcome = engine.tick(now: 100, assessments: [S.assess("w", at: 100, risk: 0.9, cpu: 3)], book: { _, _ in
            calls += 1
            return "refused"
        })
        #expect(outcome.decisions.first?.action == .resize)
        #expect(calls == 0)
    }
}
