import Forecast
import Models

/// libFuzzer target: a model file's bytes through `Safetensors.decode` (what
/// `ModelRegistry.load` runs after reading a file) and, when they decode, through
/// `TrainedModels.add`, the per-file checks `TrainedModels.load` (so `promote`, `evaluate`,
/// `replay` and the scorer) runs. Byte 0 picks the family the file is registered under
/// (arima, lstm, hmm, risk); the rest is the file. A file without `__metadata__.sha256`
/// skips the checksum, so the fuzzer reaches the header and the families.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let families = [ARIMAModels.family, LSTMModels.family, BehaviourModels.family, RiskModels.family]
    let family = families[Int(data[0]) % families.count]
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let bundle: TensorBundle
    do { bundle = try Safetensors.decode(bytes) } catch {
        _ = error.description
        return 0
    }
    var models = TrainedModels(version: "fuzz", arima: [:], lstm: nil, behaviour: [:])
    do { try models.add(bundle, family: family) } catch {
        _ = "\(error)"
    }
    return 0
}
