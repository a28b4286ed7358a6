/// A dense, row-major matrix of `Float` or `Double`, stored so that BLAS and LAPACK can
/// read it in place (see `Matrix+BLAS.swift` for the calls and their layout contract).
///
/// Layout: `rows × cols` logical elements in one contiguous `[Scalar]` of
/// `rows × leadingDimension` elements. Element `(i, j)` lives at
/// `storage[i * leadingDimension + j]`; the `leadingDimension − cols` slots at the end of
/// each row are padding that no operation reads or writes (BLAS's `lda` in `CblasRowMajor`).
/// `leadingDimension ≥ max(1, cols)`, so a `rows × 0` matrix still has a valid BLAS layout.
///
/// Value semantics (copy on write through `Array`). Equality and `Codable` see only the
/// logical elements: padding and the leading dimension are storage details.
public struct Matrix<Scalar: BLASScalar>: Sendable {
    /// Number of rows, ≥ 0.
    public let rows: Int
    /// Number of logical columns, ≥ 0.
    public let cols: Int
    /// Distance in elements between the starts of consecutive rows, ≥ `max(1, cols)`.
    public let leadingDimension: Int
    /// Row-major storage, `rows × leadingDimension` elements, padding included.
    public internal(set) var storage: [Scalar]

    /// A `rows × cols` matrix with every element (and all padding) set to `value`.
    ///
    /// - Parameter leadingDimension: row stride in elements; `nil` means compact (`cols`,
    ///   or 1 when `cols == 0`). Must be ≥ `max(1, cols)`.
    public init(rows: Int, cols: Int, leadingDimension: Int? = nil, repeating value: Scalar = 0) {
        let ld = Self.checkedLayout(rows: rows, cols: cols, leadingDimension: leadingDimension)
        self.rows = rows
        self.cols = cols
        self.leadingDimension = ld
        self.storage = Array(repeating: value, count: rows * ld)
    }

    /// Wraps existing row-major storage of `rows × leadingDimension` elements (padding
    /// included; its values are kept but never read by matrix operations).
    ///
    /// - Precondition: `storage.count == rows * leadingDimension`, `leadingDimension ≥ max(1, cols)`.
    public init(rows: Int, cols: Int, leadingDimension: Int? = nil, storage: [Scalar]) {
        let ld = Self.checkedLayout(rows: rows, cols: cols, leadingDimension: leadingDimension)
        precondition(
            storage.count == rows * ld,
            "Matrix: a \(rows)×\(cols) matrix with leading dimension \(ld) needs \(rows * ld) stored elements, got \(storage.count)"
        )
        self.rows = rows
        self.cols = cols
        self.leadingDimension = ld
        self.storage = storage
    }

    /// A compact matrix from its rows; `[]` gives the 0 × 0 matrix.
    ///
    /// - Precondition: all rows have the same length.
    public init(rowArrays: [[Scalar]]) {
        let cols = rowArrays.first?.count ?? 0
        for (i, row) in rowArrays.enumerated() {
            precondition(
                row.count == cols,
                "Matrix(rowArrays:): row \(i) has \(row.count) elements but row 0 has \(cols); rows must be equally long"
            )
        }
        if cols == 0 {
            self.init(rows: rowArrays.count, cols: 0)
        } else {
            self.init(rows: rowArrays.count, cols: cols, storage: rowArrays.flatMap { $0 })
        }
    }

    /// The compact `rows × cols` zero matrix.
    public static func zeros(rows: Int, cols: Int) -> Matrix {
        Matrix(rows: rows, cols: cols)
    }

    /// The `n × n` identity matrix, n ≥ 0.
    public static func identity(_ n: Int) -> Matrix {
        var result = Matrix(rows: n, cols: n)
        for i in 0..<n { result[i, i] = 1 }
        return result
    }

    /// Element `(row, col)`, zero-based.
    ///
    /// - Precondition: `0 ≤ row < rows`, `0 ≤ col < cols`.
    public subscript(row: Int, col: Int) -> Scalar {
        get {
            precondition(row >= 0 && row < rows && col >= 0 && col < cols,
                         "Matrix: index (\(row), \(col)) is outside the \(rows)×\(cols) matrix")
            return storage[row * leadingDimension + col]
        }
        set {
            precondition(row >= 0 && row < rows && col >= 0 && col < cols,
                         "Matrix: index (\(row), \(col)) is outside the \(rows)×\(cols) matrix")
            storage[row * leadingDimension + col] = newValue
        }
    }

    /// `true` when `rows == cols`.
    public var isSquare: Bool { rows == cols }

    /// `true` when there is no padding (`leadingDimension == cols`, or the matrix is empty).
    public var isCompact: Bool { leadingDimension == cols || rows == 0 }

    /// Row `i` as an array of `cols` elements (padding excluded).
    public func row(_ i: Int) -> [Scalar] {
        precondition(i >= 0 && i < rows, "Matrix.row: row \(i) is outside 0..<\(rows)")
        let start = i * leadingDimension
        return Array(storage[start..<(start + cols)])
    }

    /// The logical elements, one array per row.
    public var rowArrays: [[Scalar]] { (0..<rows).map { row($0) } }

    /// The logical elements in compact row-major order (`rows × cols` of them).
    public var elements: [Scalar] { isCompact ? storage : rowArrays.flatMap { $0 } }

    /// The same elements with `leadingDimension == cols` (a copy only when padded).
    public func compacted() -> Matrix {
        isCompact ? self : Matrix(rows: rows, cols: cols, storage: elements)
    }

    /// Aᵀ as a new compact `cols × rows` matrix.
    public func transposed() -> Matrix {
        var result = Matrix(rows: cols, cols: rows)
        for i in 0..<rows {
            for j in 0..<cols {
                result.storage[j * result.leadingDimension + i] = storage[i * leadingDimension + j]
            }
        }
        return result
    }

    /// Validates a layout and returns the effective leading dimension.
    private static func checkedLayout(rows: Int, cols: Int, leadingDimension: Int?) -> Int {
        precondition(rows >= 0 && cols >= 0, "Matrix: shape \(rows)×\(cols) has a negative extent")
        let ld = leadingDimension ?? max(1, cols)
        precondition(
            ld >= max(1, cols),
            "Matrix: leading dimension \(ld) is shorter than a row (\(cols) columns); it must be ≥ max(1, cols)"
        )
        return ld
    }
}

extension Matrix: Equatable {
    /// Same shape and the same logical elements (IEEE `==`, so a NaN element is unequal
    /// to itself); padding and leading dimension are ignored.
    public static func == (lhs: Matrix, rhs: Matrix) -> Bool {
        guard lhs.rows == rhs.rows, lhs.cols == rhs.cols else { return false }
        for i in 0..<lhs.rows {
            let l = i * lhs.leadingDimension, r = i * rhs.leadingDimension
            for j in 0..<lhs.cols where lhs.storage[l + j] != rhs.storage[r + j] {
                return false
            }
        }
        return true
    }
}

extension Matrix: Codable {
    private enum CodingKeys: String, CodingKey {
        case rows, cols, elements
    }

    /// Decodes `{"rows", "cols", "elements"}` (compact row-major); throws
    /// `DecodingError.dataCorrupted` when the element count is not `rows × cols`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let rows = try container.decode(Int.self, forKey: .rows)
        let cols = try container.decode(Int.self, forKey: .cols)
        let elements = try container.decode([Scalar].self, forKey: .elements)
        guard rows >= 0, cols >= 0, elements.count == rows * cols else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: container.codingPath,
                debugDescription: "a \(rows)×\(cols) matrix needs \(max(0, rows * cols)) elements, found \(elements.count)"
            ))
        }
        if cols == 0 {
            self.init(rows: rows, cols: 0)
        } else {
            self.init(rows: rows, cols: cols, storage: elements)
        }
    }

    /// Encodes the logical elements only, compact row-major.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rows, forKey: .rows)
        try container.encode(cols, forKey: .cols)
        try container.encode(elements, forKey: .elements)
    }
}

extension Matrix: CustomStringConvertible {
    /// `"3×2 [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]"`.
    public var description: String {
        "\(rows)×\(cols) \(rowArrays)"
    }
}

// MARK: - Pointer views (no copies; the operands of `BLAS.gemm`)

/// A read-only, non-owning row-major `rows × cols` matrix inside someone else's buffer:
/// element (i, j) is `baseAddress[i * leadingDimension + j]`.
///
/// For slices of a big buffer without copying (e.g. one LSTM gate block of a weight matrix
/// whose full row is 4·hidden wide): `baseAddress` points at the block's first element and
/// `leadingDimension` is the big buffer's row stride. The buffer must hold at least
/// `(rows − 1) · leadingDimension + cols` elements from `baseAddress` and outlive the view.
public struct UnsafeMatrixView<Scalar: BLASScalar> {
    public let baseAddress: UnsafePointer<Scalar>
    public let rows: Int
    public let cols: Int
    /// Row stride in elements, ≥ `max(1, cols)`.
    public let leadingDimension: Int

    /// - Parameter leadingDimension: row stride of the underlying buffer; `nil` means
    ///   compact (`max(1, cols)`).
    /// - Precondition: `rows, cols ≥ 0`, `leadingDimension ≥ max(1, cols)`.
    public init(baseAddress: UnsafePointer<Scalar>, rows: Int, cols: Int, leadingDimension: Int? = nil) {
        let ld = leadingDimension ?? max(1, cols)
        precondition(rows >= 0 && cols >= 0, "UnsafeMatrixView: shape \(rows)×\(cols) has a negative extent")
        precondition(ld >= max(1, cols), "UnsafeMatrixView: leading dimension \(ld) must be ≥ max(1, cols = \(cols))")
        self.baseAddress = baseAddress
        self.rows = rows
        self.cols = cols
        self.leadingDimension = ld
    }

    /// Shape of op(self): `rows × cols`, or `cols × rows` when transposed.
    func shape(_ op: Transpose) -> (rows: Int, cols: Int) {
        op == .transposed ? (cols, rows) : (rows, cols)
    }
}

/// The mutable counterpart of `UnsafeMatrixView` (the C of `gemm`); same layout rules and
/// initialiser contract.
public struct UnsafeMutableMatrixView<Scalar: BLASScalar> {
    public let baseAddress: UnsafeMutablePointer<Scalar>
    public let rows: Int
    public let cols: Int
    public let leadingDimension: Int

    public init(baseAddress: UnsafeMutablePointer<Scalar>, rows: Int, cols: Int, leadingDimension: Int? = nil) {
        let view = UnsafeMatrixView(baseAddress: baseAddress, rows: rows, cols: cols, leadingDimension: leadingDimension)
        self.baseAddress = baseAddress
        self.rows = rows
        self.cols = cols
        self.leadingDimension = view.leadingDimension
    }
}

extension Matrix {
    /// Calls `body` with a view of this matrix's storage (valid only inside `body`), for
    /// the pointer-level `BLAS.gemm`.
    public func withUnsafeView<R, E: Error>(_ body: (UnsafeMatrixView<Scalar>) throws(E) -> R) throws(E) -> R {
        try storage.withUnsafeBufferPointer { (buffer) throws(E) -> R in
            // An empty matrix has no storage; BLAS never dereferences it, but the view
            // wants an address, so lend it a one-element scratch cell.
            guard let base = buffer.baseAddress else {
                return try withUnsafeTemporaryAllocation(of: Scalar.self, capacity: 1) { (scratch) throws(E) -> R in
                    try body(UnsafeMatrixView(baseAddress: UnsafePointer(scratch.baseAddress!), rows: rows, cols: cols,
                                              leadingDimension: leadingDimension))
                }
            }
            return try body(UnsafeMatrixView(baseAddress: base, rows: rows, cols: cols, leadingDimension: leadingDimension))
        }
    }

    /// Calls `body` with a mutable view of this matrix's storage (valid only inside `body`).
    public mutating func withUnsafeMutableView<R, E: Error>(
        _ body: (UnsafeMutableMatrixView<Scalar>) throws(E) -> R
    ) throws(E) -> R {
        let (rows, cols, ld) = (self.rows, self.cols, leadingDimension)
        return try storage.withUnsafeMutableBufferPointer { (buffer) throws(E) -> R in
            guard let base = buffer.baseAddress else {
                return try withUnsafeTemporaryAllocation(of: Scalar.self, capacity: 1) { (scratch) throws(E) -> R in
                    try body(UnsafeMutableMatrixView(baseAddress: scratch.baseAddress!, rows: rows, cols: cols,
                                                     leadingDimension: ld))
                }
            }
            return try body(UnsafeMutableMatrixView(baseAddress: base, rows: rows, cols: cols, leadingDimension: ld))
        }
    }
}
