/// `/proc/<pid>/cgroup` (cgroups(7)): one line per hierarchy the process is in,
/// `hierarchy-ID:controller-list:cgroup-path`, e.g. `7:memory:/headroom/a/agg` (v1) or
/// `0::/headroom/a/agg` (v2's unified hierarchy). Paths are relative to the hierarchy's
/// mount (to the cgroup namespace's root when the reader is inside one).
public struct ProcessCgroupMembership: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var hierarchyID: Int
        /// Empty for v2's unified hierarchy (and for v1 named hierarchies' `name=` lines it is kept as written).
        public var controllers: [String]
        /// Starts with `/`; a path with `:` in it is kept whole.
        public var path: String
    }

    public var entries: [Entry]

    /// Parses the file's text; `file` names it in errors.
    /// - Throws: `SamplingError.malformed` naming the line when it has fewer than three
    ///   colon-separated fields or a hierarchy ID that is not a number.
    public init(parsing text: String, file: String = "/proc/<pid>/cgroup") throws(SamplingError) {
        var entries: [Entry] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else {
                throw .malformed(file: file, line: index + 1, field: "hierarchy-ID:controllers:path",
                                 reason: "\"\(line)\" does not have three colon-separated fields")
            }
            guard let id = Int(fields[0]), id >= 0 else {
                throw .malformed(file: file, line: index + 1, field: "hierarchy-ID (1)", reason: "\"\(fields[0])\" is not a number")
            }
            entries.append(Entry(hierarchyID: id, controllers: fields[1].split(separator: ",").map(String.init), path: String(fields[2])))
        }
        self.entries = entries
    }
}
