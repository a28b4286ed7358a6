import Foundation

/// Parses decimal numbers straight from UTF-8 bytes (no `String` per field).
///
/// Grammar: `[+-]digits[.digits][(e|E)[+-]digits]`, or `.digits…`; `NaN`/`nan` (any case)
/// is accepted and returns `.nan` (a missing value). Anything else — empty, trailing
/// garbage, `inf` — is `nil`.
///
/// Exactness: when the decimal significand has at most 19 digits and fits in 2^53, and the
/// decimal exponent is within ±22, the result is one correctly rounded multiply or divide
/// by an exact power of ten (Clinger's fast path). Every other input goes to the C
/// library's `strtod`, which rounds correctly. So the result always equals `strtod`'s.
enum NumberParser {
    /// 10^0 … 10^22 are exactly representable as Double (10^22 < 2^53 · 2^22).
    private static let exactPowers: [Double] = (0...22).map { Double(sign: .plus, exponent: 0, significand: 1) * pow10($0) }
    private static func pow10(_ n: Int) -> Double { var x = 1.0; for _ in 0..<n { x *= 10 }; return x }

    static func parseDouble(_ field: UnsafeBufferPointer<UInt8>) -> Double? {
        let n = field.count
        guard n > 0, let base = field.baseAddress else { return nil }
        var i = 0
        var negative = false
        if base[0] == UInt8(ascii: "-") { negative = true; i = 1 } else if base[0] == UInt8(ascii: "+") { i = 1 }
        if n - i == 3, (base[i] | 0x20) == UInt8(ascii: "n"), (base[i + 1] | 0x20) == UInt8(ascii: "a"),
           (base[i + 2] | 0x20) == UInt8(ascii: "n") {
            return .nan
        }
        var mantissa: UInt64 = 0
        var digits = 0            // significant digits accumulated
        var droppedDigits = 0     // integer digits beyond 19 (scale up)
        var fractionDigits = 0    // digits after the point kept in mantissa
        var sawDigit = false
        var overflow = false
        while i < n, base[i] &- 48 < 10 {
            sawDigit = true
            if digits < 19 {
                mantissa = mantissa &* 10 &+ UInt64(base[i] &- 48)
                if mantissa != 0 { digits += 1 }
            } else { droppedDigits += 1; overflow = true }
            i += 1
        }
        if i < n, base[i] == UInt8(ascii: ".") {
            i += 1
            while i < n, base[i] &- 48 < 10 {
                sawDigit = true
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(base[i] &- 48)
                    if mantissa != 0 { digits += 1 }
                    fractionDigits += 1
                } else { overflow = true }
                i += 1
            }
        }
        guard sawDigit else { return nil }
        var exponent = 0
        if i < n, base[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var expNegative = false
            if i < n, base[i] == UInt8(ascii: "-") { expNegative = true; i += 1 } else if i < n, base[i] == UInt8(ascii: "+") { i += 1 }
            var expDigits = 0
            while i < n, base[i] &- 48 < 10 {
                if exponent < 100_000 { exponent = exponent * 10 + Int(base[i] &- 48) }
                expDigits += 1
                i += 1
            }
            guard expDigits > 0 else { return nil }
            if expNegative { exponent = -exponent }
        }
        guard i == n else { return nil }
        let decimalExponent = exponent + droppedDigits - fractionDigits
        if !overflow, mantissa <= (1 << 53), abs(decimalExponent) <= 22 {
            let m = Double(mantissa)
            let value = decimalExponent >= 0 ? m * exactPowers[decimalExponent] : m / exactPowers[-decimalExponent]
            return negative ? -value : value
        }
        return strtodFallback(field)
    }

    private static func strtodFallback(_ field: UnsafeBufferPointer<UInt8>) -> Double? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: field.count + 1) { buffer in
            for k in 0..<field.count { buffer[k] = CChar(bitPattern: field[k]) }
            buffer[field.count] = 0
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(buffer.baseAddress!, &end)
            guard let end, end - buffer.baseAddress! == field.count, value.isFinite else { return nil }
            return value
        }
    }
}
