import Foundation

/// A seeded, reproducible random number generator: xoshiro256** (Blackman & Vigna, 2018),
/// state initialised from the seed by SplitMix64. The numeric core never uses system
/// randomness; every fit that needs randomness takes one of these.
///
/// The same seed gives the same sequence on every platform and run.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Codable, Equatable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A standard normal draw (Box–Muller; one of the pair is discarded for simplicity).
    public mutating func nextNormal() -> Double {
        var u = nextUniform()
        while u <= .leastNonzeroMagnitude { u = nextUniform() }
        let v = nextUniform()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    /// An independent generator for a sub-task (e.g. one per restart), derived from this one.
    public mutating func split() -> SeededGenerator { SeededGenerator(seed: next()) }
}
