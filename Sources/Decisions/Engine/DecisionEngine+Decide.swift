import Forecast
import Store
import Wire

extension DecisionEngine {
    /// One workload's decision (steps 1–9 of `DecisionEngine`). Updates its hysteresis
    /// state; books nothing (the tick applies the decision).
    package mutating func decide(_ assessment: Assessment, now: Int64, popLastSeen: [String: Int64]) -> Decision {
        let name = assessment.workload
        var state = alarms[name] ?? AlarmState()
        if state.alarmed {
            if assessment.risk < config.exitThreshold { state.alarmed = false }
        } else if assessment.risk > config.enterThreshold {
            state.alarmed = true
        }
        alarms[name] = state

        guard let placement = placements[name] else {
            return noAction(assessment, reason: "no placement known for workload \(name)", source: "", allocation: .absent, alarmed: state.alarmed)
        }
        var details = baseDetails(assessment, placement: placement, alarmed: state.alarmed)
        let none = { (reason: String, details: DecisionDetails) -> Decision in
            var d = details
            d.reason = reason
            return Decision(workload: name, timestamp: now, action: .none, sourcePop: placement.pop, targets: [],
                            strategy: nil, checkpointAt: nil, details: d)
        }
        if let flight = inFlight[name] {
            return none("\(flight.decision.action.rawValue) issued at \(flight.decision.timestamp) is still in flight", details)
        }
        guard let source = fleet.pop(named: placement.pop) else {
            return none("its POP \(placement.pop) is not in the fleet", details)
        }
        var required = requiredAllocation(assessment, placement: placement)
        if let target = assessment.resizeTo {
            required = placement.allocation
            for r in Resource.allCases where target[r].isFinite { required[r] = target[r] }
        }
        details.requiredAllocation = ResourceAmounts(required)

        // 1. The POP is down: restart from the last checkpoint elsewhere.
        if source.down {
            let candidates = evaluateTargets(placement, required: required, now: now, popLastSeen: popLastSeen, restart: true)
            details.candidates = candidates
            guard let best = cheapest(candidates) else {
                return none("POP \(source.name) is down and no feasible POP can restart it", details)
            }
            details.reason = "POP \(source.name) is down: restart on \(best.pop) (least total cost \(best.cost?.totalCost ?? .nan))"
                + (placement.lastCheckpointAt.map { " from the checkpoint of \($0)" } ?? " from the beginning (no checkpoint)")
            return Decision(workload: name, timestamp: now, action: .restart, sourcePop: source.name,
                            targets: [PlacementPart(pop: best.pop, allocation: required)], strategy: .checkpointRestart,
                            checkpointAt: placement.lastCheckpointAt, details: details)
        }
        // 2. A policy's actuated allocation: carried out as it is (steps 6–9), up or down.
        if assessment.resizeTo != nil {
            if Resource.allCases.allSatisfy({ r in required[r] == placement.allocation[r] || (required[r].isNaN && placement.allocation[r].isNaN) }) {
                return none("the policy keeps the allocation", details)
            }
            return carryOut(assessment, placement: placement, source: source, required: required, now: now,
                            popLastSeen: popLastSeen, details: details,
                            why: "the policy sets the allocation")
        }
        // 2b. Right-sizing down, when the policy asks and nothing is at risk.
        if !state.alarmed, !assessment.breaching, let target = assessment.downsizeTo {
            var shrunk = placement.allocation
            var shrinking: [String] = []
            for r in Resource.allCases where target[r].isFinite && placement.allocation[r].isFinite {
                var value = target[r]
                if assessment.currentUsage[r].isFinite { value = Swift.max(value, assessment.currentUsage[r]) }
                if value < placement.allocation[r] {
                    shrunk[r] = value
                    shrinking.append("\(r.snakeCaseName) \(placement.allocation[r]) → \(value)")
                }
            }
            if !shrinking.isEmpty {
                details.requiredAllocation = ResourceAmounts(shrunk)
                if let last = state.lastActionAt, Double(now - last) < config.downsizeAfterSeconds {
                    let remaining = config.downsizeAfterSeconds - Double(now - last)
                    details.cooldownRemainingSeconds = remaining
                    return none("would right-size down, but its last action at \(last) is \(remaining) s too recent", details)
                }
                details.reason = "right-size down in place: " + shrinking.joined(separator: ", ")
                return Decision(workload: name, timestamp: now, action: .resize, sourcePop: source.name,
                                targets: [PlacementPart(pop: source.name, allocation: shrunk)], strategy: .resize,
                                checkpointAt: nil, details: details)
            }
        }
        // 3. Hysteresis. (The reasons most ticks end with are fixed sentences: the numbers are
        // beside them in the details (risk, enter_threshold, required_allocation), and
        // formatting them into text would cost about a tenth of the scorer's tick.)
        guard state.alarmed else {
            return none("risk is not above the enter threshold", details)
        }
        // 4. Cooldown (not for a breach under way: that is an observation, not a forecast).
        if let last = state.lastActionAt, !assessment.breaching {
            let remaining = config.cooldownSeconds - Double(now - last)
            if remaining > 0 {
                details.cooldownRemainingSeconds = remaining
                return none("alarmed, but in cooldown for \(remaining) s more after the action at \(last)", details)
            }
        }
        // 5. Nothing to add.
        if CapacityArithmetic.covers(placement.allocation, required) {
            return none("the allocation already covers the planned demand × the resize headroom factor", details)
        }
        return carryOut(assessment, placement: placement, source: source, required: required, now: now, popLastSeen: popLastSeen,
                        details: details, why: "risk \(assessment.risk) > \(config.enterThreshold)")
    }

    /// Steps 6–9: resize in place when the source has room for `required`, else migrate,
    /// else partition, else nothing feasible; `why` opens the in-place reason.
    private func carryOut(_ assessment: Assessment, placement: Placement, source: POP, required: ResourceVector, now: Int64,
                          popLastSeen: [String: Int64], details: DecisionDetails, why: String) -> Decision {
        let name = assessment.workload
        var details = details
        let none = { (reason: String, details: DecisionDetails) -> Decision in
            var d = details
            d.reason = reason
            return Decision(workload: name, timestamp: now, action: .none, sourcePop: placement.pop, targets: [],
                            strategy: nil, checkpointAt: nil, details: d)
        }
        // 6. Resize in place.
        let sourceFree = freeCapacity(at: source.name, excluding: name)
        details.sourceFree = ResourceAmounts(sourceFree)
        let sourceProblem = unavailability(of: source, now: now, popLastSeen: popLastSeen)
        let sourceShortfalls = CapacityArithmetic.shortfalls(required: required, free: sourceFree)
        if sourceProblem == nil && sourceShortfalls.isEmpty {
            details.reason = "\(why) and \(source.name) has headroom: resize in place"
            return Decision(workload: name, timestamp: now, action: .resize, sourcePop: source.name,
                            targets: [PlacementPart(pop: source.name, allocation: required)], strategy: .resize,
                            checkpointAt: nil, details: details)
        }
        let noRoom = sourceProblem.map { "\(source.name) is \($0)" } ?? "\(source.name) lacks headroom (\(sourceShortfalls.joined(separator: "; ")))"
        let concurrencyFull = movesInFlight >= config.maxConcurrentMigrations
        let waiting = "max concurrent migrations reached (\(movesInFlight) in flight, limit \(config.maxConcurrentMigrations))"

        // 7. Migrate.
        let candidates = evaluateTargets(placement, required: required, now: now, popLastSeen: popLastSeen, restart: false)
        details.candidates = candidates
        if let best = cheapest(candidates), let strategy = best.strategy {
            if concurrencyFull { return none("\(noRoom); would migrate to \(best.pop), but \(waiting)", details) }
            details.reason = "\(noRoom): migrate to \(best.pop) by \(strategy.rawValue) (least total cost \(best.cost?.totalCost ?? .nan))"
            return Decision(workload: name, timestamp: now, action: .migrate, sourcePop: source.name,
                            targets: [PlacementPart(pop: best.pop, allocation: required)], strategy: strategy,
                            checkpointAt: nil, details: details)
        }
        // 8. Partition.
        if placement.partitionable && placement.maxParts >= 2 {
            let (evaluation, parts) = planPartition(placement, required: required, now: now, popLastSeen: popLastSeen)
            details.partition = evaluation
            if let parts {
                if concurrencyFull { return none("\(noRoom) and no POP fits it whole; would partition, but \(waiting)", details) }
                details.reason = "\(noRoom) and no POP fits it whole: partition into \(parts.count) parts on \(parts.map(\.pop).joined(separator: ", "))"
                return Decision(workload: name, timestamp: now, action: .partition, sourcePop: source.name, targets: parts,
                                strategy: .partition, checkpointAt: nil, details: details)
            }
        }
        // 9. Nothing feasible.
        return none("no feasible POP: \(noRoom), and no other POP " + (placement.partitionable ? "fits it, whole or in parts" : "fits it"), details)
    }

    /// `plannedDemand × factor`, never below usage nor below the current allocation (an
    /// alarm grows what is at risk and never takes resources away: right-sizing down is
    /// not this loop's job); a resource with no forecast keeps its allocation (NaN if it
    /// has none).
    package func requiredAllocation(_ assessment: Assessment, placement: Placement) -> ResourceVector {
        var required = placement.allocation
        for r in Resource.allCases where !assessment.plannedDemand[r].isNaN {
            var value = assessment.plannedDemand[r] * config.resizeHeadroomFactor
            if !assessment.currentUsage[r].isNaN { value = Swift.max(value, assessment.currentUsage[r]) }
            if !placement.allocation[r].isNaN { value = Swift.max(value, placement.allocation[r]) }
            required[r] = value
        }
        return required
    }

    private func baseDetails(_ assessment: Assessment, placement: Placement?, alarmed: Bool) -> DecisionDetails {
        DecisionDetails(
            reason: "", risk: assessment.risk, resourceAtRisk: assessment.resourceAtRisk?.snakeCaseName,
            expectedSecondsToBreach: assessment.expectedSecondsToBreach, enterThreshold: config.enterThreshold,
            exitThreshold: config.exitThreshold, alarmed: alarmed, cooldownRemainingSeconds: nil, dryRun: config.dryRun,
            plannedDemand: ResourceAmounts(assessment.plannedDemand), currentUsage: ResourceAmounts(assessment.currentUsage),
            currentAllocation: ResourceAmounts(placement?.allocation ?? .absent), requiredAllocation: nil, sourceFree: nil,
            migrationsInFlight: movesInFlight, candidates: [], partition: nil)
    }

    private func noAction(_ assessment: Assessment, reason: String, source: String, allocation: ResourceVector, alarmed: Bool) -> Decision {
        var details = baseDetails(assessment, placement: nil, alarmed: alarmed)
        details.reason = reason
        return Decision(workload: assessment.workload, timestamp: assessment.timestamp, action: .none, sourcePop: source,
                        targets: [], strategy: nil, checkpointAt: nil, details: details)
    }
}
