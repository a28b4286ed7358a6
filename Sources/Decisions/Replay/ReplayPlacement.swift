import Forecast
import Store

/// The replay's first step: each workload gets the allocation its online state was
/// warmed to (`ScoringCore`'s `AllocationRule` start) and is placed on the cheapest up POP
/// where it fits (POPs by price, then name; workloads in load order).
enum ReplayPlacement {
    enum PlacementError: Error, CustomStringConvertible {
        case fleetTooSmall(workload: String, allocation: String)
        var description: String {
            switch self {
            case .fleetTooSmall(let workload, let allocation):
                "no up POP in the fleet has room for \(workload) (allocation \(allocation)); add capacity or POPs to the fleet file"
            }
        }
    }

    /// - Throws: `PlacementError.fleetTooSmall` naming the first workload that fits nowhere.
    static func initial(tracks: [ReplayTrack], allocations: [String: [Double]], fleet: Fleet,
                        expectedRemainingSeconds: Double) throws -> [Placement] {
        var used: [String: [Double]] = [:]
        var placements: [Placement] = []
        let byPrice = fleet.pops.filter { !$0.down }.sorted { a, b in
            let (pa, pb) = (a.hourlyCost(allocation: .absent), b.hourlyCost(allocation: .absent))
            return (pa, a.name) < (pb, b.name)
        }
        for track in tracks {
            let allocation = allocations[track.name] ?? .init(repeating: .nan, count: Resource.count)
            let price = { (pop: POP) in pop.hourlyCost(allocation: ResourceVector(allocation)) }
            let candidates = byPrice.sorted { (price($0), $0.name) < (price($1), $1.name) }
            guard let pop = candidates.first(where: { pop in
                let u = used[pop.name] ?? .init(repeating: 0, count: Resource.count)
                return Resource.allCases.allSatisfy { r in
                    let a = allocation[r.rawValue], c = pop.capacity[r]
                    return !a.isFinite || c.isNaN || u[r.rawValue] + a <= c
                }
            }) else {
                throw PlacementError.fleetTooSmall(workload: track.name, allocation: describe(allocation))
            }
            var u = used[pop.name] ?? .init(repeating: 0, count: Resource.count)
            for r in 0..<Resource.count where allocation[r].isFinite { u[r] += allocation[r] }
            used[pop.name] = u
            let memory = track.samples.value(0, .memoryBytes)
            let memoryAllocation = allocation[Resource.memoryBytes.rawValue]
            placements.append(Placement(
                workload: track.name, pop: pop.name, allocation: ResourceVector(allocation),
                stateBytes: memory.isFinite ? memory : (memoryAllocation.isFinite ? memoryAllocation : 0),
                partitionable: track.record.partitionable, maxParts: track.record.partitionable ? 4 : 1,
                supportsLive: track.record.liveMigratable, expectedRemainingSeconds: expectedRemainingSeconds))
        }
        return placements
    }

    static func describe(_ allocation: [Double]) -> String {
        Resource.allCases.filter { allocation[$0.rawValue].isFinite }
            .map { "\($0.snakeCaseName) \(ReplayLedger.format(allocation[$0.rawValue]))" }
            .joined(separator: ", ")
    }
}
