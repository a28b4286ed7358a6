import Foundation
import Testing

@testable import Forecast

/// Inputs the fuzz targets (Fuzz/, RELIABILITY.md) found crashing the model-file readers,
/// each refused now with a typed error instead of a trap.
@Suite("Fuzz regressions: model files")
struct ForecastFuzzRegressionTests {
    /// fuzz-safetensors, crash-hmm-shape-overflow: an HMM whose `shape` tensor holds symbol
    /// and value counts near 2⁶³ trapped on `M + D > 0` (Int64 overflow) in
    /// `FittedHMM(from:prefix:)`, so promote, evaluate, replay and the scorer died on the file.
    @Test("an HMM shape with M and D near 2^63 is a TensorBundleError, not an overflow trap")
    func hmmShapeOverflow() throws {
        let huge = Int64.max / 2 + 1   // 2⁶²: M + D = 2⁶³ overflows
        var bundle = TensorBundle(metadata: ["kind": "hmm"])
        bundle.set("hmm.w.shape", ints: [1, huge, huge])
        bundle.set("hmm.w.start_probabilities", doubles: [1])
        bundle.set("hmm.w.transition_probabilities", doubles: [1], shape: [1, 1])
        bundle.set("hmm.w.training", doubles: [0, 1, 1])
        // Through the file format, as a model file is read.
        let decoded = try Safetensors.decode(Safetensors.encode(bundle))
        #expect(throws: TensorBundleError.self) { try FittedHMM(from: decoded, prefix: "hmm.w.") }
    }

    /// The fuzzer's own input, replayed from the committed corpus: it must decode or be
    /// refused, never trap.
    @Test("the committed crashing model file is refused")
    func committedCrashInput() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/corpus/fuzz-safetensors/crash-hmm-shape-overflow")
        let bytes = [UInt8](try Data(contentsOf: url))
        let bundle = try Safetensors.decode(Array(bytes.dropFirst()))   // byte 0 picks the family (hmm)
        #expect(throws: TensorBundleError.self) { try FittedHMM(from: bundle, prefix: "hmm.0.model") }
    }
}
