import Forecast
import Store

/// The decision loop's pure core: given the fleet, the placements and this tick's risk
/// assessments, decides per workload whether to resize in place, migrate, partition,
/// restart elsewhere, or do nothing, and books the capacity its decisions take so that
/// later workloads in the same tick see it gone. No I/O, no clock: `now` comes in;
/// deterministic for equal inputs.
///
/// Per workload (the product brief's loop, generalised):
/// 1. Its POP is down → `restart` on the cheapest feasible POP (ignores risk and cooldown).
/// 2. Not alarmed, not breaching, and its policy asks to shrink (`Assessment.downsizeTo`)
///    → `resize` down in place (never below usage), once its last action is at least
///    `downsizeAfterSeconds` old.
/// 3. Hysteresis: it becomes alarmed when risk > enter threshold and stays alarmed until
///    risk < exit threshold. Not alarmed → `none`.
/// 4. Within the cooldown after its last action (unless usage is above the allocation
///    now), or with an action in flight → `none`.
/// 5. required = plannedDemand × headroom factor, never below usage (no forecast for a
///    resource → keep its allocation). Already allocated → `none`.
/// 6. The source (up, not stale) has room for `required` → `resize` in place.
/// 7. Else `migrate` to the feasible POP of least price × remaining + migration cost
///    (`MigrationCostModel`); live when the source, target and workload support it, else
///    checkpoint/restart.
/// 8. Else, if partitionable, `partition` into the fewest parts (2…maxParts) that find
///    that many feasible POPs, cheapest first (the source may keep a part).
/// 9. Else `none`, "no feasible POP". Migrations and partitions wait (`none`) while
///    `maxConcurrentMigrations` moves are in flight.
///
/// Order within a tick: workloads on down POPs first, then by risk (highest first), then
/// by name, so the most urgent get first pick of free capacity. Decisions act on a
/// workload's primary part (see `Placement`).
///
/// Capacity: free(POP) = capacity − Σ footprints, where a workload's footprint on a POP is
/// the per-resource maximum of what it holds there and what an in-flight action has
/// reserved there. A resize takes effect at once (and is undone if it fails); a move
/// reserves its target until `finish` says it is done (the workload moves) or failed (it
/// stays, the reservation is released).
package struct DecisionEngine: Sendable {
    package let config: DecisionConfig
    package private(set) var fleet: Fleet
    package private(set) var placements: [String: Placement]
    /// Actions issued and not yet finished, by workload.
    package private(set) var inFlight: [String: InFlightAction]
    /// Hysteresis and cooldown per workload.
    /// (Set by `decide`; read it, do not write it.)
    package var alarms: [String: AlarmState]
    /// Per POP name, the footprint of every workload that holds or has reserved capacity
    /// there: what `freeCapacity` sums, so a capacity query costs the workloads at that POP
    /// instead of every placement in the fleet. Kept up to date per workload whenever its
    /// placement or in-flight action changes (`reindexFootprints(of:)`). (The sum's order is
    /// the index's; a scan of `placements` summed in its hash order, which varies between
    /// processes anyway: the last bit of a free amount may differ, nothing else.)
    private var footprints: [String: [Footprint]] = [:]
    /// The POPs where each workload has a footprint entry.
    private var footprintPOPs: [String: [String]] = [:]
    /// What workloads this engine does not hold use at each POP (the other shards' bookings,
    /// `serve --shard`), subtracted from the free capacity like its own footprints; empty for
    /// an engine that holds the whole fleet.
    package var externalUsage: [String: ResourceVector] = [:]

    private struct Footprint: Sendable {
        package var workload: String
        package var amounts: ResourceVector
    }

    /// An issued action and what to restore if it fails.
    package struct InFlightAction: Sendable, Equatable {
        package var decision: Decision
        /// A resize's allocation before it (restored on failure).
        package var previousAllocation: ResourceVector?
    }

    package struct AlarmState: Sendable, Equatable {
        package var alarmed = false
        /// Unix seconds of its last action (resize, move, restart).
        package var lastActionAt: Int64?
    }

    /// - Throws: `DecisionConfigError` for an invalid config.
    package init(config: DecisionConfig, fleet: Fleet, placements: [Placement]) throws {
        try config.validate()
        self.config = config
        self.fleet = fleet
        self.placements = Dictionary(placements.map { ($0.workload, $0) }, uniquingKeysWith: { _, last in last })
        self.inFlight = [:]
        self.alarms = [:]
        reindexFootprints()
    }

    /// Marks a POP down or up.
    package mutating func setDown(_ pop: String, _ down: Bool) { fleet.setDown(pop, down) }

    /// Adds or replaces a workload's placement (a new workload, an agent's report).
    package mutating func place(_ placement: Placement) {
        placements[placement.workload] = placement
        reindexFootprints(of: placement.workload)
    }

    /// Sets what a workload's live move is priced with (`Placement.dirtyRate`); unknown
    /// names are ignored. Capacity does not depend on it, so nothing is re-indexed.
    package mutating func setDirtyRate(_ rate: DirtyRate?, workload: String) {
        placements[workload]?.dirtyRate = rate
    }

    /// Sets the bytes a move of a workload copies (`Placement.stateBytes`; a VM's memory
    /// now); unknown names and values that are not finite and ≥ 0 are ignored. Capacity
    /// does not depend on it, so nothing is re-indexed.
    package mutating func setStateBytes(_ bytes: Double, workload: String) {
        guard bytes.isFinite, bytes >= 0 else { return }
        placements[workload]?.stateBytes = bytes
    }

    /// Moves in flight (migrations, partitions, restarts).
    package var movesInFlight: Int { inFlight.values.filter { $0.decision.action.isMove }.count }

    // MARK: - Tick

    /// Books a decision's capacity outside the engine before it is applied (a store shared
    /// with other scorers): given the decision and the workload's footprints by POP once it
    /// is applied, returns nil when booked, else why not (the decision becomes `none` with
    /// that reason, and nothing of it is applied).
    package typealias CapacityBooker = (Decision, [String: ResourceVector]) -> String?

    /// Decides for every assessed workload, plus every workload on a down POP.
    /// - Parameters:
    ///   - now: Unix seconds of the tick (cooldowns, staleness).
    ///   - popLastSeen: Unix seconds of each POP agent's last report (staleness).
    ///   - book: asked before each action is applied (not in a dry run); nil: the engine's
    ///     own view of capacity is the whole truth.
    package mutating func tick(now: Int64, assessments: [Assessment], popLastSeen: [String: Int64] = [:],
                               book: CapacityBooker? = nil) -> TickOutcome {
        var items = assessments
        var downWorkloads: Set<String> = []
        if fleet.downCount > 0 {  // (with every POP up there is nothing to add or put first)
            let assessed = Set(assessments.map(\.workload))
            for placement in placements.values.sorted(by: { $0.workload < $1.workload })
            where !assessed.contains(placement.workload) && fleet.pop(named: placement.pop)?.down == true {
                // No samples come from a dead POP: the workload is certainly not running.
                items.append(Assessment(workload: placement.workload, timestamp: now, risk: 1, plannedDemand: .absent))
            }
            downWorkloads = Set(placements.values.filter { fleet.pop(named: $0.pop)?.down == true }.map(\.workload))
        }
        if items.count > 1 { items.sort { a, b in
            let (da, db) = (downWorkloads.contains(a.workload), downWorkloads.contains(b.workload))
            if da != db { return da }
            if a.risk != b.risk { return a.risk > b.risk }
            return a.workload < b.workload
        } }
        let snapshot = (placements, inFlight)
        var decisions: [Decision] = []
        for assessment in items {
            var decision = decide(assessment, now: now, popLastSeen: popLastSeen)
            if decision.action != .none, !config.dryRun, let book, let refusal = book(decision, footprints(after: decision)) {
                decision = Decision(workload: decision.workload, timestamp: decision.timestamp, action: .none, sourcePop: decision.sourcePop,
                                    targets: [], strategy: nil, checkpointAt: nil,
                                    details: { var d = decision.details; d.reason = "would \(decision.action.rawValue) (\(d.reason)), but the capacity could not be booked: \(refusal)"; return d }())
            }
            if decision.action != .none {
                apply(decision)
                alarms[decision.workload, default: AlarmState()].lastActionAt = now
            }
            decisions.append(decision)
        }
        if config.dryRun {
            // Reservations lived for this tick only (so its decisions did not share
            // capacity); nothing will execute them.
            if decisions.contains(where: { $0.action != .none }) {
                (placements, inFlight) = snapshot
                reindexFootprints()
            }
            return TickOutcome(decisions: decisions, commands: [])
        }
        return TickOutcome(decisions: decisions, commands: decisions.compactMap(Command.init))
    }

    // MARK: - Applying and finishing actions

    /// Books a decision's capacity: a resize changes the allocation now, a move reserves
    /// its targets until `finish`.
    private mutating func apply(_ decision: Decision) {
        guard decision.action != .none, var placement = placements[decision.workload] else { return }
        var previous: ResourceVector?
        if decision.action == .resize, let target = decision.targets.first {
            previous = placement.allocation
            placement.allocation = target.allocation
            placements[decision.workload] = placement
        }
        inFlight[decision.workload] = InFlightAction(decision: decision, previousAllocation: previous)
        reindexFootprints(of: decision.workload)
    }

    /// Re-books an action found unfinished in the journal after a restart (so its capacity
    /// stays taken while it is re-issued). A resize is assumed not applied yet.
    package mutating func resume(_ decision: Decision) {
        apply(decision)
        alarms[decision.workload, default: AlarmState()].lastActionAt = decision.timestamp
    }

    /// Ends a workload's in-flight action.
    /// - `succeeded`: a move places the workload on its targets (the first target becomes
    ///   the primary part; a partition's others become additional parts).
    /// - failed: the workload stays where it was; a move's reservation is released, a
    ///   resize's old allocation restored.
    /// - Returns: false when the workload had no action in flight.
    @discardableResult
    package mutating func finish(workload: String, succeeded: Bool) -> Bool {
        guard let flight = inFlight.removeValue(forKey: workload) else { return false }
        defer { reindexFootprints(of: workload) }
        guard var placement = placements[workload] else { return false }
        let decision = flight.decision
        if succeeded {
            if decision.action.isMove, let primary = decision.targets.first {
                placement.pop = primary.pop
                placement.allocation = primary.allocation
                if decision.action == .partition { placement.additionalParts = Array(decision.targets.dropFirst()) }
            }
        } else if let previous = flight.previousAllocation {
            placement.allocation = previous
        }
        placements[workload] = placement
        return true
    }

    // MARK: - Capacity

    /// Free capacity of `pop` (capacity − footprints of every workload there, and what
    /// `externalUsage` says others use), optionally not counting `excluding`'s own footprint.
    /// NaN = unconstrained.
    package func freeCapacity(at pop: String, excluding: String? = nil) -> ResourceVector {
        guard let capacity = fleet.pop(named: pop)?.capacity else { return .absent }
        var used = externalUsage[pop] ?? CapacityArithmetic.zero
        // Workloads with no footprint at `pop` would add exactly 0: only those with one are indexed.
        for entry in footprints[pop] ?? [] where entry.workload != excluding {
            used = CapacityArithmetic.adding(used, entry.amounts)
        }
        return CapacityArithmetic.free(capacity: capacity, used: used)
    }

    /// Rebuilds `footprints` from `placements` and `inFlight`.
    private mutating func reindexFootprints() {
        footprints = [:]
        footprintPOPs = [:]
        for name in placements.keys { reindexFootprints(of: name) }
    }

    /// Replaces one workload's footprint entries (`Self.footprints(placement:flight:)`); a
    /// workload without a placement has none (as in a scan of `placements`).
    private mutating func reindexFootprints(of name: String) {
        for pop in footprintPOPs.removeValue(forKey: name) ?? [] {
            footprints[pop]?.removeAll { $0.workload == name }
        }
        guard let placement = placements[name] else { return }
        let entries = Self.footprints(placement: placement, flight: inFlight[name])
        for (pop, amounts) in entries { footprints[pop, default: []].append(Footprint(workload: name, amounts: amounts)) }
        footprintPOPs[name] = entries.map(\.pop)
    }

    /// A workload's footprint at each POP where it has one, in a fixed order (its primary
    /// POP, its other parts', then an in-flight move's targets): the per-resource maximum
    /// of what it holds there (its parts) and what an in-flight move has reserved there
    /// (its targets).
    static func footprints(placement: Placement, flight: InFlightAction?) -> [(pop: String, amounts: ResourceVector)] {
        let flight = flight.flatMap { $0.decision.action.isMove ? $0 : nil }
        var pops = [placement.pop]
        for part in placement.additionalParts where !pops.contains(part.pop) { pops.append(part.pop) }
        for part in flight?.decision.targets ?? [] where !pops.contains(part.pop) { pops.append(part.pop) }
        return pops.map { pop in
            var held = CapacityArithmetic.zero
            for part in placement.parts where part.pop == pop { held = CapacityArithmetic.adding(held, part.allocation) }
            var reserved = CapacityArithmetic.zero
            for part in flight?.decision.targets ?? [] where part.pop == pop {
                reserved = CapacityArithmetic.adding(reserved, part.allocation)
            }
            return (pop, CapacityArithmetic.maximum(held, reserved))
        }
    }

    /// `workload`'s footprints by POP as they are now (empty: not placed).
    package func footprints(of workload: String) -> [String: ResourceVector] {
        guard let placement = placements[workload] else { return [:] }
        return Dictionary(Self.footprints(placement: placement, flight: inFlight[workload]).map { ($0.pop, $0.amounts) },
                          uniquingKeysWith: { a, _ in a })
    }

    /// The footprints by POP `decision`'s workload would have once `apply` booked it (what
    /// a `CapacityBooker` is asked to book).
    package func footprints(after decision: Decision) -> [String: ResourceVector] {
        guard var placement = placements[decision.workload] else { return [:] }
        if decision.action == .resize, let target = decision.targets.first { placement.allocation = target.allocation }
        let flight = InFlightAction(decision: decision, previousAllocation: nil)
        return Dictionary(Self.footprints(placement: placement, flight: flight).map { ($0.pop, $0.amounts) }, uniquingKeysWith: { a, _ in a })
    }

    /// Why `pop` cannot receive work now, or nil when it can: down, or stale (no agent
    /// report within `staleAfterSeconds`, or none ever).
    package func unavailability(of pop: POP, now: Int64, popLastSeen: [String: Int64]) -> String? {
        if pop.down { return "down" }
        guard let limit = config.staleAfterSeconds else { return nil }
        guard let seen = popLastSeen[pop.name] else { return "stale: its agent has never reported" }
        let age = Double(now - seen)
        return age > limit ? "stale: last report \(Int(age)) s ago (limit \(limit) s)" : nil
    }
}
