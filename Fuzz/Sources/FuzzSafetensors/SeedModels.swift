import Forecast
import Foundation
import Models

/// With `HEADROOM_FUZZ_WRITE_SEEDS=DIR` the target writes one small real file per model
/// family into DIR (the seeds of Fuzz/corpus/fuzz-safetensors, made as
/// Tests/ModelsTests' `ModelValidationTests.bundles()` makes them) and exits. The seeds
/// carry no `sha256`, so mutations are not all stopped by the checksum.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzSafetensorsInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    guard let directory = ProcessInfo.processInfo.environment["HEADROOM_FUZZ_WRITE_SEEDS"] else { return 0 }
    do {
        let families = [ARIMAModels.family, LSTMModels.family, BehaviourModels.family, RiskModels.family]
        for (family, bundle) in try seedBundles() {
            let file = [UInt8(families.firstIndex(of: family)!)] + withoutChecksum(Safetensors.encode(bundle))
            try Data(file).write(to: URL(fileURLWithPath: directory).appendingPathComponent("\(family)-real"))
        }
    } catch {
        print("cannot write the seeds: \(error)")
        exit(1)
    }
    exit(0)
}

private func seedBundles() throws -> [(String, TensorBundle)] {
    let steps = 400
    var generator = SeededGenerator(seed: 7)
    var history = [Double](repeating: .nan, count: steps * Resource.count)
    var memory = 4e9
    for k in 0..<steps {
        history[k * Resource.count] = 2 + sin(2 * Double.pi * Double(k % 288) / 288) + 0.2 * Double.random(in: -1...1, using: &generator)
        memory += 1e7 * Double.random(in: -1...1, using: &generator)
        history[k * Resource.count + 1] = memory
    }
    var arima: [SeriesARIMA] = []
    for resource in [Resource.cpuCores, .memoryBytes] {
        let y = (0..<steps).map { history[$0 * Resource.count + resource.rawValue] }
        arima.append(SeriesARIMA(workload: "w", resource: resource, firstTimestamp: 1_375_315_200, intervalSeconds: 300,
                                 fitted: try AutoARIMA.fit(y)))
    }
    let spec = LSTMSpec(hiddenSize: 4, windowSteps: 24, horizonSteps: 12, maxEpochs: 1, patience: 1)
    let layout = (f: LSTMFeatureLayout.count, h: 4, o: 12 * Resource.count * 3)
    func weights(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -0.3...0.3, using: &generator) } }
    let model = try LSTMModel(spec: spec, weightIH: weights(16 * layout.f), weightHH: weights(16 * 4), biasIH: weights(16),
                              biasHH: weights(16), headWeight: weights(layout.o * 4), headBias: weights(layout.o))
    let scaling = LSTMWorkloadScaling(values: history, limits: [8, 16e9, .nan, .nan, .nan, .nan])
    let observations = (0..<steps).flatMap { k in [0, 1].map { scaling.scaled(history[k * Resource.count + $0], resource: $0) } }
    let hmm = try HMM.fit([HMMSequence(values: observations, dimension: 2)],
                          spec: HMMSpec(states: 2, emission: .gaussian(dimension: 2), maxIterations: 20,
                                        heavyStateRule: .meanAbove(threshold: 0.3)),
                          generator: &generator)
    func base(_ family: String) -> TensorBundle { TensorBundle(metadata: ["kind": family, "schema_version": "1"]) }
    var arimaBundle = base(ARIMAModels.family)
    ARIMAModels.encode(arima, into: &arimaBundle)
    var lstmBundle = base(LSTMModels.family)
    LSTMModels.encode(GlobalLSTM(model: model, scalings: ["w": scaling], evaluation: nil), into: &lstmBundle)
    var hmmBundle = base(BehaviourModels.family)
    BehaviourModels.encode([BehaviourModel(workload: "w", dimensions: [0, 1], scaling: scaling, hmm: hmm)], into: &hmmBundle)
    var riskBundle = base(RiskModels.family)
    RiskModels.encode(RiskFamily(calibration: RiskCalibration(intercept: 0, rawRiskLogitCoefficient: 1, heavyPhaseCoefficient: 0),
                                 rule: AllocationRule(), horizonSteps: 12), into: &riskBundle)
    return [(ARIMAModels.family, arimaBundle), (LSTMModels.family, lstmBundle), (BehaviourModels.family, hmmBundle),
            (RiskModels.family, riskBundle)]
}

/// `file` with `__metadata__.sha256` removed from its header.
private func withoutChecksum(_ file: [UInt8]) -> [UInt8] {
    let length = file[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    var header = try! JSONSerialization.jsonObject(with: Data(file[8..<(8 + length)])) as! [String: Any]
    var metadata = header["__metadata__"] as! [String: String]
    metadata[Safetensors.checksumKey] = nil
    header["__metadata__"] = metadata
    var json = [UInt8](try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
    while json.count % 8 != 0 { json.append(0x20) }
    return withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) } + json + file[(8 + length)...]
}
