import Forecast
import Store
import Wire

/// One share of a workload at one POP: where it runs (or will run) and what it is given.
package struct PlacementPart: Sendable, Equatable, Codable {
    package var pop: String
    /// Allocation in SI units; NaN = nothing allocated of that resource.
    package var allocation: ResourceVector

    package init(pop: String, allocation: ResourceVector) {
        self.pop = pop
        self.allocation = allocation
    }

    private enum CodingKeys: String, CodingKey { case pop, allocation }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        pop = try c.decode(String.self, forKey: .pop)
        allocation = try c.decode(ResourceAmounts.self, forKey: .allocation).vector
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pop, forKey: .pop)
        try c.encode(ResourceAmounts(allocation), forKey: .allocation)
    }
}

/// Where a workload runs and what the decision engine needs to know to move it.
package struct Placement: Sendable, Equatable {
    package var workload: String
    /// The POP of its primary part (the whole workload unless it was partitioned).
    package var pop: String
    /// Allocation of the primary part, SI units; NaN = nothing allocated of that resource.
    package var allocation: ResourceVector
    /// Further parts after a partition (their allocations count at their POPs).
    package var additionalParts: [PlacementPart]
    /// Bytes a move has to copy (memory + local disk state). ≥ 0. A VM's is its memory at
    /// its latest sample (what pre-copy copies), kept current by the scorer and the replay.
    package var stateBytes: Double
    /// Whether it can be split across POPs, and into at most how many parts (≥ 2 to split).
    package var partitionable: Bool
    package var maxParts: Int
    /// Whether the workload itself supports live migration.
    package var supportsLive: Bool
    /// How long it is still expected to run, seconds (prices the target POP). ≥ 0.
    package var expectedRemainingSeconds: Double
    /// Unix seconds of its last good checkpoint (a restart after its POP went down resumes
    /// from there), or nil (restart from the beginning).
    package var lastCheckpointAt: Int64?
    /// The rate at which it dirties its memory — measured by its last live migration's
    /// pre-copy rounds (a VM: QEMU's `dirty-pages-rate`), or a replay's trace proxy — or nil:
    /// unknown. What prices a live move is `DecisionEngine.dirtyRate(for:)`, which puts the
    /// fleet file's `[pre_copy]` settings between the two.
    package var dirtyRate: DirtyRate?

    package init(workload: String, pop: String, allocation: ResourceVector, additionalParts: [PlacementPart] = [],
         stateBytes: Double, partitionable: Bool = false, maxParts: Int = 1, supportsLive: Bool = false,
         expectedRemainingSeconds: Double, lastCheckpointAt: Int64? = nil) {
        self.workload = workload
        self.pop = pop
        self.allocation = allocation
        self.additionalParts = additionalParts
        self.stateBytes = stateBytes
        self.partitionable = partitionable
        self.maxParts = maxParts
        self.supportsLive = supportsLive
        self.expectedRemainingSeconds = expectedRemainingSeconds
        self.lastCheckpointAt = lastCheckpointAt
    }

    /// Every part, the primary first.
    package var parts: [PlacementPart] { [PlacementPart(pop: pop, allocation: allocation)] + additionalParts }
}

extension Placement {
    /// What the workload has over all its parts: per resource the sum (NaN where no part
    /// allocates it), `Resource.count` values — the allocation its risk is scored against.
    package var totalAllocation: [Double] {
        var out = allocation.values
        for part in additionalParts {
            for r in 0..<Resource.count where part.allocation.values[r].isFinite {
                out[r] = (out[r].isFinite ? out[r] : 0) + part.allocation.values[r]
            }
        }
        return out
    }
}

