import Foundation
import Testing
@testable import Store

@Suite("NumberParser")
struct NumberParserTests {
    func parse(_ text: String) -> Double? {
        var text = text
        return text.withUTF8 { NumberParser.parseDouble(UnsafeBufferPointer(rebasing: $0[...])) }
    }

    @Test("agrees bit for bit with strtod on the forms traces use", arguments: [
        "0", "0.0", "-0.0", "4", "10399.997184", "181.99995072", "1.6703488E7", "0.13333333333333333",
        "3.066666666666667", "1e-5", "+2.5e+3", ".5", "5.", "123456789012345678901234567890", "1.7976931348623157e308",
        "4.9e-324", "2.2250738585072014e-308", "9007199254740993", "0.1", "0.30000000000000004", "1e22", "1e23",
        "8388608.0", "-273.15", "6.7211929999999995", "00012.50",
    ])
    func matchesStrtod(_ text: String) throws {
        let ours = try #require(parse(text))
        let reference = strtod(text, nil)
        #expect(ours.bitPattern == reference.bitPattern, "\(text): \(ours) vs strtod \(reference)")
    }

    @Test("random decimals round-trip exactly")
    func randomRoundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let value = Double.random(in: -1e6...1e6, using: &generator) * pow(10, Double(Int.random(in: -12...12, using: &generator)))
            for text in [String(value), String(format: "%.6f", value), String(format: "%.17g", value), String(format: "%e", value)] {
                let ours = try #require(parse(text), "\(text) rejected")
                #expect(ours.bitPattern == strtod(text, nil).bitPattern, "\(text)")
            }
        }
    }

    @Test("NaN in any case is a missing value")
    func nan() {
        #expect(parse("NaN")?.isNaN == true)
        #expect(parse("nan")?.isNaN == true)
        #expect(parse("-NAN")?.isNaN == true)
    }

    @Test("rejects what is not a decimal number", arguments: ["", "-", ".", "e5", "1e", "1.2.3", "12a", "abc", "inf", "1,5", "0x10", " 1", "1 "])
    func rejects(_ text: String) {
        #expect(parse(text) == nil, "\(text) should be rejected")
    }
}
