extension Duration {
    /// The number of grid steps of `intervalSeconds` this span covers: rounded to the
    /// nearest step (ties away from zero), at least 1, at most `cap`.
    ///
    /// Windows, gap rules and warm-ups are spans of time, while the state that serves them
    /// holds one slot per step of the workload's own grid: one day is 288 steps of 5-minute
    /// data, 1,440 of 1-minute data and 86,400 of 1-second data. Each use converts its span
    /// with the workload's interval and names the cap that keeps its memory or its time per
    /// sample bounded at fine sampling. A non-positive interval is taken as 1 s (every
    /// sample its own step), as `OnlineWorkload` takes it.
    public func steps(atIntervalSeconds intervalSeconds: Int64, cap: Int = .max) -> Int {
        let (seconds, attoseconds) = components
        let span = Double(seconds) + Double(attoseconds) * 1e-18
        let steps = (span / Double(Swift.max(1, intervalSeconds))).rounded()
        let upper = Swift.max(1, cap)
        guard steps.isFinite else { return upper }
        if steps < 1 { return 1 }
        return steps >= Double(upper) ? upper : Int(steps)
    }
}
