import FleetFile
import Forecast
import Store

/// A point of presence that can host workloads, as declared in the fleet file.
package struct POP: Sendable, Equatable {
    /// Unique name within the fleet.
    package var name: String
    /// Capacity per resource in SI units; NaN = unconstrained.
    package var capacity: ResourceVector
    /// Fixed fee of running one workload there, money units per hour (the same unit as
    /// the decision config's penalties), whatever its size. ≥ 0.
    package var pricePerHour: Double
    /// Price of one allocated CPU core for one hour. ≥ 0.
    package var pricePerCoreHour: Double
    /// Price of one allocated GiB (2³⁰ bytes) of memory for one hour. ≥ 0.
    package var pricePerGiBHour: Double
    /// Which ways of moving work in and out of it are supported.
    package var strategies: Set<MigrationStrategy>
    /// Seconds a workload needs to start there (image pull, process start). ≥ 0.
    package var startupSeconds: Double
    /// Declared down by the operator: never chosen; its workloads are restarted elsewhere.
    package var down: Bool

    package init(name: String, capacity: ResourceVector = .absent, pricePerHour: Double = 0,
         pricePerCoreHour: Double = 0, pricePerGiBHour: Double = 0, strategies: Set<MigrationStrategy> = [.live, .checkpointRestart, .partition],
         startupSeconds: Double = 0, down: Bool = false) {
        self.name = name
        self.capacity = capacity
        self.pricePerHour = pricePerHour
        self.pricePerCoreHour = pricePerCoreHour
        self.pricePerGiBHour = pricePerGiBHour
        self.strategies = strategies
        self.startupSeconds = startupSeconds
        self.down = down
    }

    /// Price per second of running there: `pricePerHour / 3600`.
    package var pricePerSecond: Double { pricePerHour / 3600 }

    /// What one workload with `allocation` costs there per hour:
    /// fee + cores × price per core-hour + GiB × price per GiB-hour (an unallocated,
    /// NaN, resource costs nothing).
    package func hourlyCost(allocation: ResourceVector) -> Double {
        let cores = allocation[.cpuCores], bytes = allocation[.memoryBytes]
        return pricePerHour + (cores.isFinite ? cores * pricePerCoreHour : 0)
            + (bytes.isFinite ? bytes / 1_073_741_824 * pricePerGiBHour : 0)
    }

    package func supports(_ strategy: MigrationStrategy) -> Bool { strategies.contains(strategy) }
}
