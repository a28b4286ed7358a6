import Foundation
import Testing
@testable import Decisions

/// The fleet file's `[pre_copy]` table (`PreCopySettings`).
@Suite("Fleet file: [pre_copy] dirty rates")
struct FleetPreCopyTOMLTests {
    static let onePOP = """
        [[pops]]
        name = "a"
        price_per_hour = 1
        strategies = ["live"]

        """

    @Test("a fleet-wide rate and per-workload rates; the workload's wins, the fleet-wide one only for live-migratable workloads")
    func parses() throws {
        let fleet = try Fleet(toml: Self.onePOP + """
            [pre_copy]
            dirty_bytes_per_second = 20_000_000
            [pre_copy.workloads]
            "bb-17" = 1.5e8
            idle = 0
            """, source: "pops.toml")
        #expect(fleet.preCopy == PreCopySettings(dirtyBytesPerSecond: 2e7, workloads: ["bb-17": 1.5e8, "idle": 0]))
        #expect(fleet.preCopy.dirtyBytesPerSecond(workload: "bb-17", supportsLive: false) == 1.5e8)
        #expect(fleet.preCopy.dirtyBytesPerSecond(workload: "other", supportsLive: true) == 2e7)
        #expect(fleet.preCopy.dirtyBytesPerSecond(workload: "other", supportsLive: false) == nil)
        #expect(try Fleet(toml: Self.onePOP, source: "pops.toml").preCopy == PreCopySettings(), "optional")
        #expect(try Fleet.load(path: ScorerTestSupport.examplePOPsPath).preCopy == PreCopySettings(), "the example's lines are comments")
    }

    @Test("unknown keys, wrong types and negative or infinite rates name the file and key path")
    func refusals() throws {
        func error(_ text: String) -> FleetError? {
            do { _ = try Fleet(toml: Self.onePOP + text, source: "pops.toml"); return nil } catch { return error as? FleetError }
        }
        #expect(error("[pre_copy]\ndirty_rate = 1\n") == .unknownKey(file: "pops.toml", keyPath: "pre_copy.dirty_rate",
                                                                    expected: ["dirty_bytes_per_second", "workloads"]))
        #expect(error("[pre_copy]\ndirty_bytes_per_second = \"fast\"\n")
                == .wrongType(file: "pops.toml", keyPath: "pre_copy.dirty_bytes_per_second", expected: "a number (bytes per second)", found: "string"))
        let negative = try #require(error("[pre_copy.workloads]\nvm = -5\n"))
        guard case .invalidValue(let file, let keyPath, let message) = negative else { Issue.record("\(negative)"); return }
        #expect(file == "pops.toml" && keyPath == "pre_copy.workloads.vm" && message.contains("≥ 0"))
        let infinite = try #require(error("[pre_copy]\ndirty_bytes_per_second = inf\n"))
        #expect(infinite.description.contains("pre_copy.dirty_bytes_per_second"))
        let notTable: FleetError?
        do { _ = try Fleet(toml: "pre_copy = 3\n" + Self.onePOP, source: "pops.toml"); notTable = nil } catch { notTable = error as? FleetError }
        #expect(notTable == .wrongType(file: "pops.toml", keyPath: "pre_copy", expected: "a table", found: "integer"))
    }
}
