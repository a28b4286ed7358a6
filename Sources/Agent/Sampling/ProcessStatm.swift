/// The resident set size from `/proc/<pid>/statm` (proc(5): `size resident shared text lib
/// data dt`, in pages). `resident` is the same `get_mm_rss` count as `stat`'s field 24,
/// for about a third of the kernel time.
public struct ProcessStatm: Sendable, Hashable {
    /// Field 2, in pages (`sysconf(_SC_PAGESIZE)` bytes each).
    public var residentPages: Int64

    public init(residentPages: Int64) { self.residentPages = residentPages }

    /// Parses the text of a `/proc/<pid>/statm` file.
    public init(parsing text: String, file: String = "/proc/<pid>/statm") throws(SamplingError) {
        self = try parseText(text, file: file) { (t) throws(SamplingError) in try ProcessStatm(t) }
    }

    init(_ text: TextBytes) throws(SamplingError) {
        let line = text.firstLine
        var tokens = line.tokenIterator()
        guard tokens.next() != nil, let resident = tokens.next() else {
            throw line.malformed(field: "resident (2)", "missing; expected at least two decimals")
        }
        guard let pages = resident.signed, pages >= 0 else {
            throw line.malformed(field: "resident (2)", "\"\(resident.text)\" is not a page count")
        }
        self.init(residentPages: pages)
    }
}
