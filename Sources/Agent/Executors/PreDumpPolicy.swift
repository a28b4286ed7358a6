/// When a live move stops pre-dumping and takes the final dump (the classic iterative
/// pre-copy rule, as in P.Haul and QEMU's RAM migration): after `maxIterations`, or once
/// an iteration's dirty pages are few enough to copy during the downtime
/// (`smallEnoughBytes`), or when the dirty set stopped shrinking (the last iteration wrote
/// more than `shrinkFactor` × the one before: the workload dirties memory as fast as it is
/// copied, and more rounds only add copying).
public struct PreDumpPolicy: Sendable, Equatable {
    /// At least 1.
    public var maxIterations: Int
    /// 4 MiB: about 40 ms at the ~100 MB/s of a local disk, well under a cooperative
    /// checkpoint's downtime.
    public var smallEnoughBytes: Int64
    /// In (0, 1]: 0.9 asks every round to save at least 10 %.
    public var shrinkFactor: Double

    public init(maxIterations: Int = 5, smallEnoughBytes: Int64 = 4 << 20, shrinkFactor: Double = 0.9) {
        precondition(maxIterations >= 1 && shrinkFactor > 0 && shrinkFactor <= 1, "maxIterations ≥ 1, shrinkFactor in (0, 1]")
        self.maxIterations = maxIterations
        self.smallEnoughBytes = smallEnoughBytes
        self.shrinkFactor = shrinkFactor
    }

    /// Whether to pre-dump once more, given the page bytes of the iterations so far (in
    /// order); true for none yet.
    public func shouldContinue(dirtyBytes: [Int64]) -> Bool {
        guard let last = dirtyBytes.last else { return true }
        if dirtyBytes.count >= maxIterations || last <= smallEnoughBytes { return false }
        if dirtyBytes.count >= 2 { return Double(last) <= shrinkFactor * Double(dirtyBytes[dirtyBytes.count - 2]) }
        return true
    }
}
