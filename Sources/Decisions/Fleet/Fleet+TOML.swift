import FleetFile
import Forecast
import Foundation

/// The scorer's name for the fleet file's errors (one type for every reader of the file);
/// `Fleet.init(pops:declaredLinks:)` adds duplicate POPs, unknown link ends and repeated
/// directions.
package typealias FleetError = FleetFileError

/// The fleet file (`config/pops.example.toml` documents every key), read by the shared
/// strict reader (`FleetDeclarations`: `[[pops]]` with `[pops.capacity]`, `[[links]]`).
/// The scorer requires each POP's `price_per_hour` and `strategies` and each link's
/// `latency_seconds`; `Fleet.init` checks ranges, names and links. `[pre_copy]` (optional,
/// the scorer's only) gives dirty rates for pricing live moves (`PreCopySettings`). The
/// top-level `[agent]` table and `[[workloads]]` array belong to the agent and are skipped
/// here; any other top-level key is an error.
extension Fleet {
    /// Reads and validates the fleet file at `path`.
    /// - Throws: `FleetError` naming the file (and the line for TOML syntax errors).
    package static func load(path: String) throws -> Fleet {
        try Fleet(document: try TOMLFields.load(path: path))
    }

    /// Parses and validates a fleet file's text; `source` names it in error messages.
    package init(toml text: String, source: String) throws {
        try self.init(document: try TOMLFields.parse(text, source: source))
    }

    init(document: TOMLFields) throws {
        let source = document.source
        let declared = try FleetDeclarations(document, otherKeys: FleetDeclarations.agentKeys + FleetDeclarations.scorerKeys)
        let pops = try declared.pops.enumerated().map { i, pop in
            guard let strategies = pop.strategies else {
                throw FleetError.missingKey(file: source, keyPath: "pops[\(i)].strategies", expected: FleetDeclarations.strategiesExpected)
            }
            guard let price = pop.pricePerHour else {
                throw FleetError.missingKey(file: source, keyPath: "pops[\(i)].price_per_hour", expected: "a number (money units per hour)")
            }
            return POP(name: pop.name, capacity: pop.capacity, pricePerHour: price, pricePerCoreHour: pop.pricePerCoreHour ?? 0,
                       pricePerGiBHour: pop.pricePerGiBHour ?? 0, strategies: Set(strategies), startupSeconds: pop.startupSeconds ?? 0,
                       down: pop.down ?? false)
        }
        let links = try declared.links.enumerated().map { i, link in
            guard let latency = link.latencySeconds else {
                throw FleetError.missingKey(file: source, keyPath: "links[\(i)].latency_seconds", expected: "a number (seconds)")
            }
            return POPLink(from: link.from, to: link.to, bandwidthBytesPerSecond: link.bandwidthBytesPerSecond, latencySeconds: latency)
        }
        try self.init(pops: pops, declaredLinks: links, source: source)
        scorers = declared.scorers
        if let table = try document.table("pre_copy") {
            preCopy = try Self.parsePreCopy(document.child(table, "pre_copy"))
        }
    }

    /// `[pre_copy]` (`PreCopySettings`): `dirty_bytes_per_second` and a `workloads` table of
    /// rates by name, every rate a finite number ≥ 0.
    private static func parsePreCopy(_ fields: TOMLFields) throws -> PreCopySettings {
        try fields.rejectUnknownKeys(allowed: ["dirty_bytes_per_second", "workloads"])
        func rate(_ fields: TOMLFields, _ key: String) throws -> Double? {
            guard let value = try fields.number(key, expected: "a number (bytes per second)") else { return nil }
            guard value.isFinite, value >= 0 else {
                throw FleetError.invalidValue(file: fields.source, keyPath: fields.keyPath(key), message: "is \(value); expected a finite number ≥ 0 (bytes per second)")
            }
            return value
        }
        var settings = PreCopySettings(dirtyBytesPerSecond: try rate(fields, "dirty_bytes_per_second"))
        if let table = try fields.table("workloads") {
            let workloads = fields.child(table, "workloads")
            for name in workloads.keys { settings.workloads[name] = try rate(workloads, name) }
        }
        return settings
    }
}
