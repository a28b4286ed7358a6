import Foundation
import Testing
@testable import Forecast

@Suite("Safetensors codec")
struct SafetensorsTests {
    func sample() -> TensorBundle {
        var bundle = TensorBundle(metadata: ["kind": "test", "schema_version": "1"])
        bundle.set("a.weights", floats: [1, -2.5, 3e-8, .greatestFiniteMagnitude], shape: [2, 2])
        bundle.set("b.coefficients", doubles: [0.1, 0.2, -0.3])
        bundle.set("c.order", ints: [2, 1, 2])
        bundle.set("empty", doubles: [], shape: [0, 3])
        return bundle
    }

    @Test("round trip keeps tensors, shapes, dtypes and metadata; adds the checksum")
    func roundTrip() throws {
        let bytes = Safetensors.encode(sample())
        let decoded = try Safetensors.decode(bytes)
        #expect(decoded.tensors == sample().tensors)
        #expect(decoded.metadata["kind"] == "test")
        #expect(decoded.metadata[Safetensors.checksumKey]?.count == 64)
        #expect(try decoded.floats("a.weights") == [1, -2.5, 3e-8, .greatestFiniteMagnitude])
        #expect(try decoded.doubles("b.coefficients") == [0.1, 0.2, -0.3])
        #expect(try decoded.ints("c.order") == [2, 1, 2])
        #expect(try decoded.tensor("empty").shape == [0, 3])
        // Layout per the format: 8-byte little-endian header length, header padded to 8.
        let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
        #expect(headerLength % 8 == 0)
        let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)])) as? [String: Any]
        let a = header?["a.weights"] as? [String: Any]
        #expect(a?["dtype"] as? String == "F32")
        #expect(a?["shape"] as? [Int] == [2, 2])
        #expect(Safetensors.encode(sample()) == bytes, "encoding is deterministic")
    }

    @Test("a flipped data byte, a truncated file and a broken header are refused")
    func corruption() throws {
        let bytes = Safetensors.encode(sample())
        var flipped = bytes
        flipped[bytes.count - 3] ^= 0x01
        #expect(throws: SafetensorsError.self) { try Safetensors.decode(flipped) }
        do { _ = try Safetensors.decode(flipped) } catch {
            guard case .checksumMismatch = error else { Issue.record("expected a checksum mismatch, got \(error)"); return }
        }
        #expect(throws: SafetensorsError.self) { try Safetensors.decode(Array(bytes.prefix(bytes.count - 8))) }
        #expect(throws: SafetensorsError.self) { try Safetensors.decode(Array(bytes.prefix(5))) }
        var badHeader = bytes
        badHeader[9] = UInt8(ascii: "!")
        #expect(throws: SafetensorsError.self) { try Safetensors.decode(badHeader) }
    }

    @Test("missing tensors and wrong types name the tensor")
    func accessErrors() throws {
        let bundle = sample()
        #expect(throws: TensorBundleError.missing(name: "nope")) { try bundle.doubles("nope") }
        #expect(throws: TensorBundleError.wrongType(name: "c.order", expected: "F64 or F32", found: "I64")) { try bundle.doubles("c.order") }
        #expect(throws: TensorBundleError.missingMetadata(key: "version")) { try bundle.meta("version") }
    }
}
