import FleetFile
import Forecast
import Store

/// The POPs a scorer may place work on and the network between them (DESIGN.md, "Data
/// model"). Built from the fleet file (`Fleet+TOML`) or in code; always validated.
///
/// Links are stored per direction. A link declared once (`from = "a", to = "b"`) is
/// symmetric: it also serves b → a with the same bandwidth and latency, unless the file
/// declares b → a too, in which case each direction has its own numbers. A pair of POPs
/// with no link in either direction is **not reachable**: nothing migrates between them
/// (a restart from a checkpoint after a POP went down needs no link, see
/// `MigrationCostModel`).
package struct Fleet: Sendable, Equatable {
    /// In declaration order (ties between equally cheap POPs go to the earlier name in
    /// lexicographic order, not to this order).
    package private(set) var pops: [POP]
    /// Every direction, with symmetric declarations expanded.
    package private(set) var links: [POPLink]
    private var indexByName: [String: Int]
    private var linkByPair: [Pair: POPLink]
    /// Indices into `pops` in lexicographic name order (the decision engine's candidate
    /// order), sorted once here rather than on every evaluation.
    package private(set) var indicesByName: [Int]
    /// POPs currently marked down.
    package private(set) var downCount: Int
    /// Dirty rates the fleet file declares for pricing live moves (`[pre_copy]`).
    package var preCopy = PreCopySettings()
    /// The scorers sharing this fleet by shard (`[[scorers]]`), nil when the file declares none.
    package var scorers: ScorerShards?

    private struct Pair: Hashable, Sendable { var from: String, to: String }

    /// Validates and builds a fleet.
    /// - Parameters:
    ///   - declaredLinks: as declared; expanded by the symmetric rule above.
    ///   - source: the file name used in error messages.
    /// - Throws: `FleetError` for duplicate POP names, negative or non-finite numbers, a
    ///   non-positive bandwidth, links to undeclared POPs, a link from a POP to itself, or
    ///   a direction declared twice.
    package init(pops: [POP], declaredLinks: [POPLink], source: String = "fleet") throws {
        var indexByName: [String: Int] = [:]
        for (i, pop) in pops.enumerated() {
            let path = "pops[\(i)]"
            if pop.name.isEmpty {
                throw FleetError.invalidValue(file: source, keyPath: path + ".name", message: "is empty; give every POP a name")
            }
            if indexByName[pop.name] != nil { throw FleetError.duplicatePOP(file: source, keyPath: path + ".name", name: pop.name) }
            indexByName[pop.name] = i
            try Self.checkNonNegative(pop.pricePerHour, source, path + ".price_per_hour")
            try Self.checkNonNegative(pop.pricePerCoreHour, source, path + ".price_per_core_hour")
            try Self.checkNonNegative(pop.pricePerGiBHour, source, path + ".price_per_gib_hour")
            try Self.checkNonNegative(pop.startupSeconds, source, path + ".startup_seconds")
            for resource in Resource.allCases where !pop.capacity[resource].isNaN {
                try Self.checkNonNegative(pop.capacity[resource], source, path + ".capacity." + resource.snakeCaseName)
            }
        }
        let known = pops.map(\.name)
        var declared: [Pair: POPLink] = [:]
        for (i, link) in declaredLinks.enumerated() {
            let path = "links[\(i)]"
            for (key, name) in [("from", link.from), ("to", link.to)] where indexByName[name] == nil {
                throw FleetError.unknownPOP(file: source, keyPath: "\(path).\(key)", name: name, known: known)
            }
            if link.from == link.to {
                throw FleetError.invalidValue(file: source, keyPath: path, message: "links POP \"\(link.from)\" to itself; a link joins two different POPs")
            }
            guard link.bandwidthBytesPerSecond.isFinite, link.bandwidthBytesPerSecond > 0 else {
                throw FleetError.invalidValue(file: source, keyPath: path + ".bandwidth_bytes_per_second",
                                              message: "is \(link.bandwidthBytesPerSecond); expected a finite number > 0 (omit the link for unreachable pairs)")
            }
            try Self.checkNonNegative(link.latencySeconds, source, path + ".latency_seconds")
            let pair = Pair(from: link.from, to: link.to)
            if declared[pair] != nil { throw FleetError.duplicateLink(file: source, keyPath: path, from: link.from, to: link.to) }
            declared[pair] = link
        }
        var expanded = declared
        for link in declaredLinks {
            let reverse = Pair(from: link.to, to: link.from)
            if declared[reverse] == nil {
                expanded[reverse] = POPLink(from: link.to, to: link.from, bandwidthBytesPerSecond: link.bandwidthBytesPerSecond,
                                            latencySeconds: link.latencySeconds)
            }
        }
        self.pops = pops
        self.indicesByName = pops.indices.sorted { pops[$0].name < pops[$1].name }
        self.downCount = pops.filter(\.down).count
        self.indexByName = indexByName
        self.linkByPair = expanded
        self.links = expanded.values.sorted { ($0.from, $0.to) < ($1.from, $1.to) }
    }

    private static func checkNonNegative(_ value: Double, _ source: String, _ keyPath: String) throws {
        guard value.isFinite, value >= 0 else {
            throw FleetError.invalidValue(file: source, keyPath: keyPath, message: "is \(value); expected a finite number ≥ 0")
        }
    }

    /// The POP named `name`, or nil.
    package func pop(named name: String) -> POP? { indexByName[name].map { pops[$0] } }

    /// The index of the POP named `name` in `pops`, or nil.
    package func index(named name: String) -> Int? { indexByName[name] }

    /// Every POP in lexicographic name order.
    package var popsByName: [POP] { indicesByName.map { pops[$0] } }

    /// The link from `from` to `to` (after the symmetric expansion), or nil when the pair
    /// is not reachable.
    package func link(from: String, to: String) -> POPLink? { linkByPair[Pair(from: from, to: to)] }

    /// Marks a POP down or up (an agent's report, an operator's command). Unknown names
    /// are ignored.
    package mutating func setDown(_ name: String, _ down: Bool) {
        if let i = indexByName[name], pops[i].down != down {
            pops[i].down = down
            downCount += down ? 1 : -1
        }
    }
}
