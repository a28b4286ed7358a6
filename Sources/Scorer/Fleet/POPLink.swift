/// The network path from one POP to another (one direction).
struct POPLink: Sendable, Equatable {
    var from: String
    var to: String
    /// Usable bandwidth for migration traffic, bytes per second; > 0.
    var bandwidthBytesPerSecond: Double
    /// One-way latency, seconds; ≥ 0.
    var latencySeconds: Double
}
