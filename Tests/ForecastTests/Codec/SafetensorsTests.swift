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

    /// A file of `header` JSON and `data`, framed as safetensors (no checksum: the shape
    /// check is what must refuse it).
    static func framed(_ header: String, data: [UInt8] = []) -> [UInt8] {
        var json = Array(header.utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var out: [UInt8] = []
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out += $0 }
        return out + json + data
    }

    @Test("issue 12: a shape whose product overflows Int ([2^32, 2^32], [2^62, 4]) is a typed error, not a trap")
    func shapeOverflow() throws {
        for shape in ["[4294967296, 4294967296]", "[4611686018427387904, 4]", "[2305843009213693952]", "[-1, 8]"] {
            let bytes = Self.framed(#"{"t": {"dtype": "F64", "shape": \#(shape), "data_offsets": [0, 0]}}"#)
            do {
                _ = try Safetensors.decode(bytes)
                Issue.record("accepted shape \(shape)")
            } catch {
                guard case .badHeader(let why) = error else { Issue.record("expected .badHeader, got \(error)"); continue }
                #expect(why.contains("do not fit its shape"))
            }
        }
        // A zero dimension makes an empty tensor whatever the others are.
        let empty = try Safetensors.decode(Self.framed(#"{"t": {"dtype": "F32", "shape": [0, 4294967296], "data_offsets": [0, 0]}}"#))
        #expect(try empty.tensor("t").bytes.isEmpty)
    }
}
