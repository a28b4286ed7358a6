import Forecast
import Foundation
import Testing
@testable import Decisions

private typealias S = ScorerTestSupport

/// The engine carrying out a right-sizing policy's actuated allocation (`Assessment.resizeTo`).
@Suite("Decision engine: actuated allocations")
struct DecisionEngineResizeToTests {
    static func actuated(_ workload: String, at time: Int64, cpu: Double) -> Assessment {
        Assessment(workload: workload, timestamp: time, risk: 0, plannedDemand: .absent, resizeTo: ResourceVector(cpuCores: cpu))
    }

    @Test("up and down in place, no alarm or cooldown needed; the same allocation is no action")
    func upAndDown() throws {
        let fleet = try Fleet(pops: [S.pop("a", cpu: 8, price: 1)], declaredLinks: [])
        var engine = try DecisionEngine(config: S.config(), fleet: fleet, placements: [S.placement("w", on: "a", cpu: 2)])
        let up = try #require(engine.tick(now: 100, assessments: [Self.actuated("w", at: 100, cpu: 3)]).decisions.first)
        #expect(up.action == .resize && up.targets[0].allocation.cpuCores == 3)
        engine.finish(workload: "w", succeeded: true)   // the executor reports the resize done
        // 60 s later (inside the 300 s cooldown, risk 0): down to 1 at once.
        let down = try #require(engine.tick(now: 160, assessments: [Self.actuated("w", at: 160, cpu: 1)]).decisions.first)
        #expect(down.action == .resize && down.targets[0].allocation.cpuCores == 1)
        #expect(engine.placements["w"]?.allocation.cpuCores == 1)
        engine.finish(workload: "w", succeeded: true)
        let same = try #require(engine.tick(now: 200, assessments: [Self.actuated("w", at: 200, cpu: 1)]).decisions.first)
        #expect(same.action == .none)
        // NaN keeps the resource.
        let keep = try #require(engine.tick(now: 300, assessments: [Self.actuated("w", at: 300, cpu: .nan)]).decisions.first)
        #expect(keep.action == .none)
    }

    @Test("growth the POP cannot hold moves the workload")
    func moves() throws {
        let fleet = try Fleet(pops: [S.pop("a", cpu: 4, price: 1), S.pop("b", cpu: 16, price: 1)], declaredLinks: [S.link("a", "b")])
        var engine = try DecisionEngine(config: S.config(), fleet: fleet, placements: [S.placement("w", on: "a", cpu: 2)])
        let d = try #require(engine.tick(now: 100, assessments: [Self.actuated("w", at: 100, cpu: 6)]).decisions.first)
        #expect(d.action == .migrate && d.targetPops == ["b"] && d.targets[0].allocation.cpuCores == 6)
    }
}
