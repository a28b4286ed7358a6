/// The naive member's trailing window (`OnlineWorkload`): per resource a ring of the last
/// `capacity` grid steps' values (NaN = missing), the step fed as number s sitting in slot
/// s mod `capacity`; a resource's column can be released for good when its owner will
/// never read it again.
///
/// **Float32.** The ring is the largest part of what a workload costs the scorer (a week of
/// 5-minute data: 2,016 steps × 6 resources, 97 KB in Double), and the naive member reads
/// it only through h-step changes y(t) − y(t−h) and their empirical quantiles. A value kept
/// as Float carries a relative error ≤ 2⁻²⁴ (6·10⁻⁸; a 4 GB memory sample is off by at most
/// 256 bytes, a CPU sample of 2 cores by 1.2·10⁻⁷ cores), and each change is computed in
/// Double from the two rounded values, so a change errs by at most 2⁻²⁴ of the larger
/// value: far below any decision's resolution (the allocation rule works in whole
/// percents of usage, resizes in 2 % steps). The spread is then exactly
/// `NaiveForecaster.spread` of the Float-rounded history (`NaiveMemberTests`), the last
/// value (the p50 without spread) stays Double, and the held-out comparison of the change
/// is in EVALUATION.md ("Re-run of 2026-12-07: scorer memory per workload"). A value beyond
/// Float's range (|x| > 3.4·10³⁸, which `InputRules` refuses anyway) becomes ±∞: its
/// changes are left out like a missing value's, as an overflowing change already was.
struct NaiveHistory: Sendable {
    /// Steps each ring holds (`OnlineWorkload.naiveWindowSteps`).
    let capacity: Int
    /// Per resource its ring, or empty when released (or never kept: `readsBack`).
    private var columns: [[Float]]
    /// Whether the values are read back from the store at each refresh instead of kept
    /// (`StoredHistory`): then no ring is allocated and `served` says which resources the
    /// naive member still serves.
    let readsBack: Bool
    private var served: UInt32

    init(capacity: Int, resources: Int, readsBack: Bool = false) {
        self.capacity = max(1, capacity)
        self.readsBack = readsBack
        columns = .init(repeating: readsBack ? [] : .init(repeating: .nan, count: self.capacity), count: resources)
        served = readsBack ? (1 << UInt32(resources)) - 1 : 0
    }

    /// Whether resource r's window is kept (or, read back, still served).
    func holds(_ r: Int) -> Bool { readsBack ? served & (1 << UInt32(r)) != 0 : !columns[r].isEmpty }

    /// Writes the values of the step numbered `step` (`row[r]` for each resource still held).
    mutating func record(step: Int, row: [Double]) {
        guard !readsBack else { return }
        let slot = step % capacity
        for r in columns.indices where !columns[r].isEmpty { columns[r][slot] = Float(row[r]) }
    }

    /// Drops resource r's ring (its storage is freed; `column` then reads NaN).
    mutating func release(_ r: Int) {
        if readsBack { served &= ~(1 << UInt32(r)) } else { columns[r] = [] }
    }

    /// Keeps resource r's ring from now on (all NaN: no step recorded yet); a no-op when kept.
    mutating func keep(_ r: Int) {
        if readsBack { served |= 1 << UInt32(r) } else if columns[r].isEmpty { columns[r] = .init(repeating: .nan, count: capacity) }
    }

    /// Copies resource r's `count` steps from number `start` on (oldest first) into `out` as
    /// Double; all NaN when the ring is released (or read back: the caller reads the store).
    func column(_ r: Int, start: Int, count: Int, into out: UnsafeMutablePointer<Double>) {
        columns[r].withUnsafeBufferPointer { ring in
            guard !ring.isEmpty else {
                for k in 0..<count { out[k] = .nan }
                return
            }
            var slot = start % capacity
            for k in 0..<count {
                out[k] = Double(ring[slot])
                slot += 1
                if slot == capacity { slot = 0 }
            }
        }
    }
}
