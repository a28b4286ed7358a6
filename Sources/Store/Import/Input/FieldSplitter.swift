/// Splits one line into fields at a separator byte, trimming ASCII spaces and tabs around
/// each field, into a reusable array of byte ranges (no allocation per line once warm).
struct FieldSplitter {
    let separator: UInt8
    /// Collapse runs of the separator (for space-separated files).
    let collapseRuns: Bool
    private(set) var starts: [Int] = []
    private(set) var ends: [Int] = []
    private var line = UnsafeBufferPointer<UInt8>(start: nil, count: 0)

    init(separator: UInt8, collapseRuns: Bool = false) {
        self.separator = separator
        self.collapseRuns = collapseRuns
        starts.reserveCapacity(32)
        ends.reserveCapacity(32)
    }

    var count: Int { starts.count }

    /// Splits `line`; returns the number of fields. An empty line has zero fields.
    mutating func split(_ line: UnsafeBufferPointer<UInt8>) -> Int {
        self.line = line
        starts.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        let n = line.count
        var i = 0
        if collapseRuns { while i < n, line[i] == separator || line[i] == 0x20 || line[i] == 0x09 { i += 1 } }
        guard i < n else { return 0 }
        var fieldStart = i
        while true {
            if i == n || line[i] == separator {
                var s = fieldStart, e = i
                while s < e, line[s] == 0x20 || line[s] == 0x09 { s += 1 }
                while e > s, line[e - 1] == 0x20 || line[e - 1] == 0x09 { e -= 1 }
                starts.append(s)
                ends.append(e)
                if i == n { break }
                i += 1
                if collapseRuns {
                    while i < n, line[i] == separator { i += 1 }
                    if i == n { break }
                }
                fieldStart = i
            } else {
                i += 1
            }
        }
        return starts.count
    }

    /// The bytes of field `index` (0-based).
    func field(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: line[starts[index]..<ends[index]])
    }

    /// Field `index` as text (for error messages and ids).
    func text(_ index: Int) -> String { String(decoding: field(index), as: UTF8.self) }

    func isEmpty(_ index: Int) -> Bool { starts[index] == ends[index] }
}
