import Forecast

/// A point of presence that can host workloads, as declared in the fleet file.
struct POP: Sendable, Equatable {
    /// Unique name within the fleet.
    var name: String
    /// Capacity per resource in SI units; NaN = unconstrained.
    var capacity: ResourceVector
    /// Price of running there, money units per hour (the same unit as the decision
    /// config's penalties). ≥ 0.
    var pricePerHour: Double
    /// Which ways of moving work in and out of it are supported.
    var strategies: Set<MigrationStrategy>
    /// Seconds a workload needs to start there (image pull, process start). ≥ 0.
    var startupSeconds: Double
    /// Declared down by the operator: never chosen; its workloads are restarted elsewhere.
    var down: Bool

    init(name: String, capacity: ResourceVector = .absent, pricePerHour: Double = 0,
         strategies: Set<MigrationStrategy> = [.live, .checkpointRestart, .partition],
         startupSeconds: Double = 0, down: Bool = false) {
        self.name = name
        self.capacity = capacity
        self.pricePerHour = pricePerHour
        self.strategies = strategies
        self.startupSeconds = startupSeconds
        self.down = down
    }

    /// Price per second of running there: `pricePerHour / 3600`.
    var pricePerSecond: Double { pricePerHour / 3600 }

    func supports(_ strategy: MigrationStrategy) -> Bool { strategies.contains(strategy) }
}
