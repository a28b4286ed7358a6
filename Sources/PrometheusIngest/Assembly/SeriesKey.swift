import Foundation

/// A series' identity: its labels' names and values, in the order sent (senders sort them
/// by name).
///
/// Two forms with one hash and one equality, so that either finds the other in a
/// dictionary: `.labels` wraps a decoded request's labels (looking a series up costs no
/// allocation and no copy of its label text: every request names every series again, and
/// building a key per series was a third of `SeriesAssembler.plan`), `.packed` is what the
/// assembler keeps (the labels' UTF-8 length-prefixed in one buffer: about the labels'
/// bytes + 8 per label, not one object per label and string).
///
/// The identity is the sequence of byte strings name₀, value₀, name₁, value₁, …; each is
/// compared as its length then its bytes, so no label text, whatever bytes it holds, can
/// make two different label sets one key.
struct SeriesKey: Hashable, Sendable {
    enum Form: Sendable {
        case labels([Prometheus_Label])
        /// Per piece: its length (UInt32, little-endian), then its UTF-8 bytes.
        case packed([UInt8])
    }

    let form: Form

    init(labels: [Prometheus_Label]) { form = .labels(labels) }

    /// The form to keep (a packed copy of a `.labels` key; a packed key as it is).
    var packed: SeriesKey {
        guard case .labels(let labels) = form else { return self }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(labels.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 8 })
        for label in labels {
            for piece in [label.name, label.value] {
                Self.withUTF8(piece) { text in
                    let count = UInt32(truncatingIfNeeded: text.count)
                    for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: count >> UInt32(shift))) }
                    bytes.append(contentsOf: text)
                }
            }
        }
        return SeriesKey(form: .packed(bytes))
    }

    private init(form: Form) { self.form = form }

    /// Hashes the label values only (with their count): names repeat across every series of
    /// a metric and add bytes to hash, not distinction. Equal keys have equal values, so this
    /// agrees with `==`, which compares names too.
    func hash(into hasher: inout Hasher) {
        switch form {
        case .labels(let labels):
            hasher.combine(labels.count)
            for label in labels { Self.withUTF8(label.value) { Self.combine($0, into: &hasher) } }
        case .packed(let bytes):
            bytes.withUnsafeBytes { buffer in
                var cursor = PackedCursor(buffer: buffer)
                var pieces: [UnsafeRawBufferPointer] = []
                while let name = cursor.next(), let value = cursor.next() {
                    _ = name
                    pieces.append(value)
                }
                hasher.combine(pieces.count)
                for value in pieces { Self.combine(value, into: &hasher) }
            }
        }
    }

    static func == (lhs: SeriesKey, rhs: SeriesKey) -> Bool {
        switch (lhs.form, rhs.form) {
        case (.packed(let a), .packed(let b)):
            return a == b
        case (.labels(let a), .labels(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.name == $1.name && $0.value == $1.value }
        case (.labels(let labels), .packed(let bytes)), (.packed(let bytes), .labels(let labels)):
            return bytes.withUnsafeBytes { buffer in
                var cursor = PackedCursor(buffer: buffer)
                for label in labels {
                    guard let name = cursor.next(), withUTF8(label.name, { equal($0, name) }),
                          let value = cursor.next(), withUTF8(label.value, { equal($0, value) }) else { return false }
                }
                return cursor.atEnd
            }
        }
    }

    private static func combine(_ piece: UnsafeRawBufferPointer, into hasher: inout Hasher) {
        hasher.combine(UInt32(truncatingIfNeeded: piece.count))
        hasher.combine(bytes: piece)
    }

    private static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard let pa = a.baseAddress, let pb = b.baseAddress else { return true }   // both empty
        return memcmp(pa, pb, a.count) == 0
    }

    /// `body` over `text`'s UTF-8 bytes, without a copy when the string is contiguous (as
    /// every string swift-protobuf decodes is).
    private static func withUTF8<R>(_ text: String, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        if let result = text.utf8.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) { return result }
        var copy = text
        return copy.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }

    /// Reads a packed key's pieces in order.
    private struct PackedCursor {
        let buffer: UnsafeRawBufferPointer
        var offset = 0

        init(buffer: UnsafeRawBufferPointer) { self.buffer = buffer }

        var atEnd: Bool { offset >= buffer.count }

        /// The next piece; nil at the end (a packed key is only ever built by `packed`, so
        /// its lengths are in bounds; a short buffer still ends the walk, never reads past it).
        mutating func next() -> UnsafeRawBufferPointer? {
            guard let base = buffer.baseAddress, buffer.count - offset >= 4 else { return nil }
            let count = Int(UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            offset += 4
            guard count <= buffer.count - offset else { offset = buffer.count; return nil }
            defer { offset += count }
            return UnsafeRawBufferPointer(start: base + offset, count: count)
        }
    }
}
