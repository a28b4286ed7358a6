import Decisions
import Forecast
import Models

/// The synthetic fleet of `headroom-scorer bench-tick`: `count` POPs named `pop-000` …,
/// a full mesh of links, the scored workloads placed on them, and one background workload
/// per POP (`bg-000` …: placed, never assessed) that fills it up to a seeded slack.
///
/// Why this shape: the benchmark must exercise the whole decision path, i.e. an alarmed
/// workload whose POP has no headroom left, so that the engine evaluates every other POP
/// as a target (steps 6–8 of `DecisionEngine`), and keep doing so as the run goes on. So:
/// - every POP's cpu and memory capacity is 4 × the largest allocation of any scored
///   workload, times a seeded factor in [1, 2);
/// - scored workload i is placed on `pop-(i mod count)`; that POP's background workload
///   takes all the rest (no headroom: any growth must move);
/// - on every other POP the background workload leaves a seeded slack, uniform in
///   [0, `slack`) of the capacity, which the moves then use up. With the default 0.5
///   (0–2 × the largest allocation on 4 × largest) moves mostly find room and later alarms
///   resize in place; with 0.15 the fleet saturates within the run, and from then on every
///   alarmed tick plans a partition and finds "no feasible POP" (the worst case);
/// - prices are seeded in [0.5, 2.5) money units per hour, links have a seeded bandwidth
///   in [0.1, 1.1) GB/s and latency in [1, 51) ms; every POP supports live migration,
///   checkpoint/restart and partition. Disk and network capacities are unconstrained (the
///   allocation rule constrains cpu and memory only).
struct BenchFleet {
    var fleet: Fleet
    var placements: [Placement]

    /// - Parameters:
    ///   - workloads: name, allocation (`Resource.count`, NaN = none), state bytes,
    ///     live-migratable, partitionable; in placement order.
    ///   - remainingSeconds: each placement's expected remaining run time.
    ///   - slack: the largest free share of a non-home POP's capacity, in [0, 1].
    static func make(count: Int, workloads: [(name: String, allocation: [Double], stateBytes: Double, live: Bool, partitionable: Bool)],
                     remainingSeconds: Double, slack maximumSlack: Double, seed: UInt64) throws -> BenchFleet {
        precondition(count >= 2, "BenchFleet: at least two POPs")
        var generator = SeededGenerator(seed: seed)
        let names = (0..<count).map { "pop-" + String(repeating: "0", count: max(0, 3 - String($0).count)) + String($0) }
        var held = [[Double]](repeating: [Double](repeating: 0, count: Resource.count), count: count)
        var occupied = [Bool](repeating: false, count: count)
        var largest = [Double](repeating: 0, count: Resource.count)
        for (i, w) in workloads.enumerated() {
            occupied[i % count] = true
            for r in AllocationRule.constrained.map(\.rawValue) where w.allocation[r].isFinite {
                held[i % count][r] += w.allocation[r]
                largest[r] = max(largest[r], w.allocation[r])
            }
        }
        var pops: [POP] = []
        var background: [Placement] = []
        for (i, name) in names.enumerated() {
            var capacity = ResourceVector.absent
            var filler = ResourceVector.absent
            let factor = 4 * (1 + generator.nextUniform())
            let slack = occupied[i] ? 0 : maximumSlack * generator.nextUniform()
            for r in AllocationRule.constrained {
                capacity[r] = factor * max(largest[r.rawValue], 1)
                filler[r] = max(0, capacity[r] * (1 - slack) - held[i][r.rawValue])
            }
            pops.append(POP(name: name, capacity: capacity, pricePerHour: 0.5 + 2 * generator.nextUniform(), startupSeconds: 5))
            background.append(Placement(workload: "bg-" + name.dropFirst(4), pop: name, allocation: filler, stateBytes: 1e9,
                                        expectedRemainingSeconds: remainingSeconds))
        }
        var links: [POPLink] = []
        for a in 0..<count {
            for b in (a + 1)..<count {
                links.append(POPLink(from: names[a], to: names[b], bandwidthBytesPerSecond: 1e8 + 1e9 * generator.nextUniform(),
                                     latencySeconds: 0.001 + 0.05 * generator.nextUniform()))
            }
        }
        let fleet = try Fleet(pops: pops, declaredLinks: links, source: "bench-tick synthetic fleet")
        let placements = workloads.enumerated().map { i, w in
            Placement(workload: w.name, pop: names[i % count], allocation: ResourceVector(w.allocation), stateBytes: w.stateBytes,
                      partitionable: w.partitionable, maxParts: w.partitionable ? 4 : 1, supportsLive: w.live,
                      expectedRemainingSeconds: remainingSeconds)
        }
        return BenchFleet(fleet: fleet, placements: placements + background)
    }
}
