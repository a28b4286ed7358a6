import Store
/// The network path from one POP to another (one direction).
package struct POPLink: Sendable, Equatable {
    package var from: String
    package var to: String
    /// Usable bandwidth for migration traffic, bytes per second; > 0.
    package var bandwidthBytesPerSecond: Double
    /// One-way latency, seconds; ≥ 0.
    package var latencySeconds: Double

    package init(from: String, to: String, bandwidthBytesPerSecond: Double, latencySeconds: Double) {
        self.from = from
        self.to = to
        self.bandwidthBytesPerSecond = bandwidthBytesPerSecond
        self.latencySeconds = latencySeconds
    }
}
