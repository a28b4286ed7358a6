/// A way of moving a workload that a POP can support (`strategies` in the fleet file).
///
/// - `live`: pre-copy live migration (the workload keeps running while its state is
///   copied; it stops only for the last dirty pages).
/// - `checkpointRestart`: dump the state, copy it, restore it on the target.
/// - `partition`: the POP can host one part of a workload split across POPs.
public enum MigrationStrategy: String, Sendable, Codable, CaseIterable, Comparable {
    case live
    case checkpointRestart = "checkpoint_restart"
    case partition

    public static func < (lhs: MigrationStrategy, rhs: MigrationStrategy) -> Bool { lhs.rawValue < rhs.rawValue }
}
