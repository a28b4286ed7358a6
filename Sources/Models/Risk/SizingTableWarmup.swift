/// How much of a workload's history the sizing tables (`MemoryRiskTable`, `CPURiskTable`)
/// skip as warm-up before its ticks become training rows.
public enum SizingTableWarmup {
    /// For a workload with `history` seconds of samples before the training cutoff: a week
    /// (the features' longest window), or half the history when that is shorter than two
    /// weeks, but at least a day (the seasonal features need a past day). A trace of a few
    /// days (Alibaba 2018's eight) then still gets tables, from its later half, instead of
    /// none; the features' windows hold fewer past days there, as they do when the policy
    /// serves a workload that young.
    public static func seconds(history: Double) -> Double {
        guard history.isFinite else { return 7 * 86_400 }
        return min(7 * 86_400, max(86_400, history / 2))
    }
}
