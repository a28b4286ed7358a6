/// QEMU's pre-copy live migration as arithmetic (the cost of a VM's live move, from its
/// memory and its measured dirty rate): round 0 copies all `M` bytes of guest memory at the
/// link's `B` bytes/s; while a round of `x` bytes is on the wire (x/B s) the guest dirties
/// `D·x/B` bytes (at most M), which the next round copies; QEMU stops the guest as soon as
/// what is left fits the downtime limit `T` (x/B ≤ T) and copies it stopped. With
/// r = D/B < 1 the rounds shrink geometrically, x_k = M·r^k; with r ≥ 1 they never do.
///
/// - transferred = Σ x_k over the rounds and the final stop-and-copy;
/// - total seconds = transferred / B + latency;
/// - downtime = x_final / B + latency.
///
/// A migration that has not converged after `timeoutFactor × M / B` seconds (the agent's
/// `VMMigrationExecutor` cancels it then) is `converged = false`: the figures are those of
/// the cancelled attempt, and its downtime that of pausing for a full copy (what a forced
/// stop-and-copy of M would cost); the engine should not count on such a move.
/// Degenerate input: M = 0 costs only the latency; B ≤ 0 is not converging.
package struct PreCopyModel: Sendable, Equatable {
    package var downtimeLimitSeconds: Double
    package var timeoutFactor: Double
    /// Rounds at most (a bound on the loop; QEMU itself has none).
    package var maximumRounds: Int

    package init(downtimeLimitSeconds: Double = 0.3, timeoutFactor: Double = 4, maximumRounds: Int = 1000) {
        self.downtimeLimitSeconds = downtimeLimitSeconds
        self.timeoutFactor = timeoutFactor
        self.maximumRounds = maximumRounds
    }

    package struct Outcome: Sendable, Equatable {
        package var converged: Bool
        /// Pre-copy rounds before the stop (round 0 = the first full copy).
        package var rounds: Int
        package var transferredBytes: Double
        package var totalSeconds: Double
        package var downtimeSeconds: Double
    }

    package func migrate(memoryBytes: Double, bandwidthBytesPerSecond: Double, dirtyBytesPerSecond: Double, latencySeconds: Double = 0) -> Outcome {
        let m = max(0, memoryBytes), d = max(0, dirtyBytesPerSecond), b = bandwidthBytesPerSecond
        guard m > 0 else { return Outcome(converged: true, rounds: 0, transferredBytes: 0, totalSeconds: latencySeconds, downtimeSeconds: latencySeconds) }
        guard b > 0, b.isFinite else {
            return Outcome(converged: false, rounds: 0, transferredBytes: 0, totalSeconds: .infinity, downtimeSeconds: .infinity)
        }
        let timeout = timeoutFactor * m / b
        var pending = m  // the bytes of the next round
        var transferred = 0.0
        var rounds = 0
        while rounds < maximumRounds {
            if pending / b <= downtimeLimitSeconds {
                // Stop and copy what is left.
                transferred += pending
                return Outcome(converged: true, rounds: rounds, transferredBytes: transferred, totalSeconds: transferred / b + latencySeconds,
                               downtimeSeconds: pending / b + latencySeconds)
            }
            transferred += pending
            if transferred / b > timeout { break }
            pending = min(m, d * pending / b)
            rounds += 1
        }
        return Outcome(converged: false, rounds: rounds, transferredBytes: transferred, totalSeconds: transferred / b + latencySeconds,
                       downtimeSeconds: m / b + latencySeconds)
    }
}
