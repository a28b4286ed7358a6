import Hummingbird
import ScorerIntake

/// libFuzzer target: a `POST /v1/samples` body through `SampleBatch.parse`, the scorer's
/// strict parser (JSON decoding, field checks, `InputRules`, trace events and their
/// attributes), with the service's default limits and a fixed clock (2025-06-15) so that
/// runs reproduce. Every refusal must be a thrown error; the error is rendered as the
/// route would.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSampleBatch(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = ByteBuffer(bytes: UnsafeBufferPointer(start: data, count: size))
    do {
        _ = try SampleBatch.parse(body, maxSamples: 10_000, maxTraces: 10_000, nowSeconds: 1_750_000_000)
    } catch {
        _ = "\(error)"
    }
    return 0
}
