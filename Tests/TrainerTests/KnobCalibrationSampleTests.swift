import Resources
import Testing
@testable import Trainer

@Suite("Knob calibration: the workloads it replays")
struct KnobCalibrationSampleTests {
    @Test("up to the limit every workload; above it the names of smallest FNV-1a hash, whatever the input order")
    func sample() {
        let names = (1...7).map { "bitbrains-\($0)" }
        #expect(KnobCalibrationStep.sample(names, limit: 7) == names)
        let byHash = names.sorted { WorkloadShard.hash($0) < WorkloadShard.hash($1) }
        let picked = KnobCalibrationStep.sample(names, limit: 3)
        #expect(picked == Array(byHash.prefix(3)).sorted())
        #expect(KnobCalibrationStep.sample(names.reversed(), limit: 3) == picked)
        #expect(KnobCalibrationStep.sample(names, limit: 0).isEmpty)
        // FNV-1a 64 of "a": 0xaf63dc4c8601ec8c (the published test vector).
        #expect(WorkloadShard.hash("a") == 0xaf63_dc4c_8601_ec8c)
    }
}
