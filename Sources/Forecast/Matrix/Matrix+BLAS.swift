// The one file in Headroom that calls BLAS (OpenBLAS's CBLAS) or LAPACK (LAPACKE).
// Everything else reaches them through the functions below.
//
// Layout contract
// ---------------
// * Every matrix is ROW-MAJOR (`CblasRowMajor`, `LAPACK_ROW_MAJOR`): element (i, j) of an
//   `r × c` matrix is at `base[i * ld + j]`, where `ld` (BLAS's lda/ldb/ldc, `Matrix`'s
//   `leadingDimension`) is the row stride in elements, `ld ≥ max(1, c)`. The `ld − c`
//   slots after each row are padding: never read, never written. A sub-block of a larger
//   row-major buffer is therefore a valid operand: point at its first element and pass the
//   big buffer's row stride as `ld` (see `UnsafeMatrixView` in Matrix.swift).
// * The leading dimension always describes the matrix AS STORED, before any transpose:
//   for `op(A) = Aᵀ` with `op(A)` of shape m × k, A is stored k × m and `lda ≥ max(1, m)`.
//   This is the CBLAS rule, and the views enforce it by construction.
// * Dimensions and leading dimensions are passed as 32-bit `blasint` / `lapack_int`
//   (Debian's libopenblas-dev and liblapacke-dev use LP64, not ILP64); a larger value stops
//   at a precondition.
// * `gemm`/`gemv` follow the BLAS convention that `beta == 0` makes C (y) write-only: NaN
//   or garbage already in C does not propagate.
// * C must not overlap A or B (BLAS forbids it). `Matrix` values can't alias (copy on
//   write); callers of the pointer views must make sure their blocks are disjoint.
// * The LAPACKE row-major wrappers transpose into a column-major scratch copy and back:
//   fine for the small systems here (ARIMA regressions, calibration fits); for big systems
//   prefer a column-major formulation.
// * OpenBLAS threading is configured by the environment (OPENBLAS_NUM_THREADS,
//   OPENBLAS_CORETYPE); this file sets nothing. The pthread OpenBLAS is safe to call from
//   several threads at once.

internal import CBLAS

/// Whether a BLAS operand is used as stored or transposed: `op(A) = A` or `op(A) = Aᵀ`.
public enum Transpose: Sendable, Equatable {
    case notTransposed
    case transposed
}

/// A scalar type with BLAS entry points: `Float` (`cblas_s*`) and `Double` (`cblas_d*`).
///
/// The `unchecked…` requirements forward their arguments to CBLAS in row-major order
/// unchanged; a bad shape or leading dimension makes OpenBLAS print an error and skip the
/// call. Prefer the checked `Matrix` methods or `BLAS.gemm` on `UnsafeMatrixView`s.
public protocol BLASScalar: BinaryFloatingPoint, Codable, Sendable {
    /// `cblas_?gemm`: C ← alpha·op(A)·op(B) + beta·C; op(A) m × k, op(B) k × n, C m × n.
    static func uncheckedGEMM(
        transA: Transpose, transB: Transpose, m: Int32, n: Int32, k: Int32,
        alpha: Self, a: UnsafePointer<Self>, lda: Int32, b: UnsafePointer<Self>, ldb: Int32,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int32)
    /// `cblas_?gemv`: y ← alpha·op(A)·x + beta·y, A stored m × n.
    static func uncheckedGEMV(
        transA: Transpose, m: Int32, n: Int32, alpha: Self, a: UnsafePointer<Self>, lda: Int32,
        x: UnsafePointer<Self>, incX: Int32, beta: Self, y: UnsafeMutablePointer<Self>, incY: Int32)
    /// `cblas_?axpy`: y ← alpha·x + y over n elements.
    static func uncheckedAXPY(
        n: Int32, alpha: Self, x: UnsafePointer<Self>, incX: Int32, y: UnsafeMutablePointer<Self>, incY: Int32)
    /// `cblas_?dot`: Σ xᵢ·yᵢ over n elements.
    static func uncheckedDOT(n: Int32, x: UnsafePointer<Self>, incX: Int32, y: UnsafePointer<Self>, incY: Int32) -> Self
}

extension Transpose {
    fileprivate var cblas: CBLAS_TRANSPOSE { self == .transposed ? CblasTrans : CblasNoTrans }
}

extension Float: BLASScalar {
    public static func uncheckedGEMM(
        transA: Transpose, transB: Transpose, m: Int32, n: Int32, k: Int32,
        alpha: Float, a: UnsafePointer<Float>, lda: Int32, b: UnsafePointer<Float>, ldb: Int32,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int32
    ) {
        cblas_sgemm(CblasRowMajor, transA.cblas, transB.cblas, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
    public static func uncheckedGEMV(
        transA: Transpose, m: Int32, n: Int32, alpha: Float, a: UnsafePointer<Float>, lda: Int32,
        x: UnsafePointer<Float>, incX: Int32, beta: Float, y: UnsafeMutablePointer<Float>, incY: Int32
    ) {
        cblas_sgemv(CblasRowMajor, transA.cblas, m, n, alpha, a, lda, x, incX, beta, y, incY)
    }
    public static func uncheckedAXPY(
        n: Int32, alpha: Float, x: UnsafePointer<Float>, incX: Int32, y: UnsafeMutablePointer<Float>, incY: Int32
    ) {
        cblas_saxpy(n, alpha, x, incX, y, incY)
    }
    public static func uncheckedDOT(
        n: Int32, x: UnsafePointer<Float>, incX: Int32, y: UnsafePointer<Float>, incY: Int32
    ) -> Float {
        cblas_sdot(n, x, incX, y, incY)
    }
}

extension Double: BLASScalar {
    public static func uncheckedGEMM(
        transA: Transpose, transB: Transpose, m: Int32, n: Int32, k: Int32,
        alpha: Double, a: UnsafePointer<Double>, lda: Int32, b: UnsafePointer<Double>, ldb: Int32,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int32
    ) {
        cblas_dgemm(CblasRowMajor, transA.cblas, transB.cblas, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
    public static func uncheckedGEMV(
        transA: Transpose, m: Int32, n: Int32, alpha: Double, a: UnsafePointer<Double>, lda: Int32,
        x: UnsafePointer<Double>, incX: Int32, beta: Double, y: UnsafeMutablePointer<Double>, incY: Int32
    ) {
        cblas_dgemv(CblasRowMajor, transA.cblas, m, n, alpha, a, lda, x, incX, beta, y, incY)
    }
    public static func uncheckedAXPY(
        n: Int32, alpha: Double, x: UnsafePointer<Double>, incX: Int32, y: UnsafeMutablePointer<Double>, incY: Int32
    ) {
        cblas_daxpy(n, alpha, x, incX, y, incY)
    }
    public static func uncheckedDOT(
        n: Int32, x: UnsafePointer<Double>, incX: Int32, y: UnsafePointer<Double>, incY: Int32
    ) -> Double {
        cblas_ddot(n, x, incX, y, incY)
    }
}

/// Converts a dimension to BLAS/LAPACK's 32-bit integer, stopping on overflow.
private func blasInt(_ value: Int, _ name: String) -> Int32 {
    guard let converted = Int32(exactly: value) else {
        preconditionFailure("\(name) = \(value) exceeds the 32-bit BLAS/LAPACK index range (max \(Int32.max))")
    }
    return converted
}

/// Checked BLAS calls on pointer views.
public enum BLAS {
    /// General matrix multiply C ← alpha·op(A)·op(B) + beta·C (`cblas_sgemm`/`cblas_dgemm`,
    /// row-major), with op(A) m × k, op(B) k × n and C m × n; each operand keeps its own
    /// leading dimension. Touches only the logical m × n elements of C.
    ///
    /// k = 0 gives C ← beta·C; m = 0 or n = 0 does nothing. beta = 0 ignores C's old values.
    /// - Precondition: shapes agree; C does not overlap A or B.
    public static func gemm<Scalar: BLASScalar>(
        alpha: Scalar = 1, a: UnsafeMatrixView<Scalar>, transA: Transpose = .notTransposed,
        b: UnsafeMatrixView<Scalar>, transB: Transpose = .notTransposed,
        beta: Scalar = 0, c: UnsafeMutableMatrixView<Scalar>
    ) {
        let (m, k) = a.shape(transA)
        let (kB, n) = b.shape(transB)
        precondition(k == kB, "gemm: op(A) is \(m)×\(k) but op(B) is \(kB)×\(n); inner dimensions must agree (\(k) ≠ \(kB))")
        precondition(c.rows == m && c.cols == n,
                     "gemm: op(A)·op(B) is \(m)×\(n) but C is \(c.rows)×\(c.cols)")
        guard m > 0, n > 0 else { return }
        Scalar.uncheckedGEMM(
            transA: transA, transB: transB,
            m: blasInt(m, "gemm m"), n: blasInt(n, "gemm n"), k: blasInt(k, "gemm k"),
            alpha: alpha, a: a.baseAddress, lda: blasInt(a.leadingDimension, "gemm lda"),
            b: b.baseAddress, ldb: blasInt(b.leadingDimension, "gemm ldb"),
            beta: beta, c: c.baseAddress, ldc: blasInt(c.leadingDimension, "gemm ldc"))
    }

    /// y ← alpha·x + y (`cblas_?axpy`).
    /// - Precondition: `x.count == y.count`.
    public static func axpy<Scalar: BLASScalar>(alpha: Scalar, x: [Scalar], y: inout [Scalar]) {
        precondition(x.count == y.count, "axpy: x has \(x.count) elements but y has \(y.count)")
        guard !x.isEmpty else { return }
        let n = blasInt(x.count, "axpy n")
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                Scalar.uncheckedAXPY(n: n, alpha: alpha, x: xp.baseAddress!, incX: 1, y: yp.baseAddress!, incY: 1)
            }
        }
    }

    /// Σ xᵢ·yᵢ (`cblas_?dot`); 0 for empty vectors.
    /// - Precondition: `x.count == y.count`.
    public static func dot<Scalar: BLASScalar>(_ x: [Scalar], _ y: [Scalar]) -> Scalar {
        precondition(x.count == y.count, "dot: x has \(x.count) elements but y has \(y.count)")
        guard !x.isEmpty else { return 0 }
        let n = blasInt(x.count, "dot n")
        return x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                Scalar.uncheckedDOT(n: n, x: xp.baseAddress!, incX: 1, y: yp.baseAddress!, incY: 1)
            }
        }
    }
}

// MARK: - Matrix values

extension Matrix {
    /// self ← alpha·op(A)·op(B) + beta·self (`cblas_?gemm`, row-major). self is m × n,
    /// op(A) m × k, op(B) k × n; every operand may be padded (leading dimension > cols) and
    /// self's padding is left untouched. beta = 0 ignores self's old values (even NaN).
    /// - Precondition: shapes agree (a mismatch is a programmer error).
    public mutating func gemm(
        alpha: Scalar = 1, a: Matrix, transA: Transpose = .notTransposed,
        b: Matrix, transB: Transpose = .notTransposed, beta: Scalar = 0
    ) {
        a.withUnsafeView { av in
            b.withUnsafeView { bv in
                withUnsafeMutableView { cv in
                    BLAS.gemm(alpha: alpha, a: av, transA: transA, b: bv, transB: transB, beta: beta, c: cv)
                }
            }
        }
    }

    /// alpha·op(A)·op(B) as a new compact matrix.
    public static func product(
        alpha: Scalar = 1, a: Matrix, transA: Transpose = .notTransposed,
        b: Matrix, transB: Transpose = .notTransposed
    ) -> Matrix {
        var c = Matrix(rows: transA == .transposed ? a.cols : a.rows, cols: transB == .transposed ? b.rows : b.cols)
        c.gemm(alpha: alpha, a: a, transA: transA, b: b, transB: transB, beta: 0)
        return c
    }

    /// The matrix product lhs·rhs (lhs m × k, rhs k × n).
    public static func * (lhs: Matrix, rhs: Matrix) -> Matrix {
        product(a: lhs, b: rhs)
    }

    /// y ← alpha·op(self)·x + beta·y (`cblas_?gemv`, row-major); op(self) is p × q,
    /// `x.count == q`, `y.count == p`. beta = 0 ignores y's old values.
    public func gemv(alpha: Scalar = 1, transA: Transpose = .notTransposed, x: [Scalar], beta: Scalar = 0, y: inout [Scalar]) {
        let (p, q) = transA == .transposed ? (cols, rows) : (rows, cols)
        precondition(x.count == q, "gemv: op(A) is \(p)×\(q) but x has \(x.count) elements")
        precondition(y.count == p, "gemv: op(A) is \(p)×\(q) but y has \(y.count) elements")
        guard p > 0 else { return }
        guard q > 0 else {  // empty sum: y ← beta·y, with beta = 0 meaning "write zeros"
            for i in y.indices { y[i] = beta == 0 ? 0 : beta * y[i] }
            return
        }
        let (m, n, lda) = (blasInt(rows, "gemv m"), blasInt(cols, "gemv n"), blasInt(leadingDimension, "gemv lda"))
        storage.withUnsafeBufferPointer { ap in
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    Scalar.uncheckedGEMV(transA: transA, m: m, n: n, alpha: alpha, a: ap.baseAddress!, lda: lda,
                                         x: xp.baseAddress!, incX: 1, beta: beta, y: yp.baseAddress!, incY: 1)
                }
            }
        }
    }

    /// The matrix–vector product A·x (A p × q, `x.count == q`), p elements.
    public static func * (lhs: Matrix, rhs: [Scalar]) -> [Scalar] {
        var y = [Scalar](repeating: 0, count: lhs.rows)
        lhs.gemv(x: rhs, y: &y)
        return y
    }
}

// MARK: - LAPACK (Double)

/// Solution of min ‖A·X − B‖₂ column by column (`Matrix.leastSquares`).
public struct LeastSquaresSolution: Sendable, Equatable, Codable {
    /// X, cols(A) × cols(B). For an underdetermined full-rank system (rows < cols) the
    /// minimum-norm solution.
    public let solution: Matrix<Double>
    /// ‖A·xⱼ − bⱼ‖² for each column j of B; all zero when rows(A) ≤ cols(A) (exact fit).
    public let residualSumOfSquares: [Double]
}

extension Matrix where Scalar == Double {
    /// X with A·X = B for square A (`LAPACKE_dgesv`: LU with partial pivoting, row-major).
    /// A is n × n, B is n × r, X is n × r (compact). n = 0 gives a 0 × r result.
    ///
    /// - Throws: `LinearAlgebraError.singular` when a pivot is exactly zero or the estimated
    ///   reciprocal condition number (1-norm, `dgecon`) is below `Double.ulpOfOne` (the
    ///   `dgesvx` convention: no correct digits left); `.nonFinite` for NaN/∞ input.
    /// - Precondition: A is square and `B.rows == A.rows`.
    public static func solve(_ a: Matrix, _ b: Matrix) throws(LinearAlgebraError) -> Matrix {
        precondition(a.isSquare, "solve: A is \(a.rows)×\(a.cols); it must be square (use leastSquares otherwise)")
        precondition(b.rows == a.rows, "solve: A is \(a.rows)×\(a.cols) but B has \(b.rows) rows")
        let n = a.rows
        guard n > 0 else { return Matrix(rows: 0, cols: b.cols) }
        try checkFinite(a, routine: "solve", operand: "A")
        try checkFinite(b, routine: "solve", operand: "B")
        let (nn, nrhs) = (blasInt(n, "dgesv n"), blasInt(b.cols, "dgesv nrhs"))
        let (lda, ldb) = (blasInt(a.leadingDimension, "dgesv lda"), blasInt(b.leadingDimension, "dgesv ldb"))
        var lu = a.storage
        var x = b.storage
        var pivots = [Int32](repeating: 0, count: n)
        let anorm = LAPACKE_dlange(LAPACK_ROW_MAJOR, lapackChar("1"), nn, nn, lu, lda)
        let info = LAPACKE_dgesv(LAPACK_ROW_MAJOR, nn, nrhs, &lu, lda, &pivots, &x, ldb)
        if info < 0 { throw .illegalArgument(routine: "LAPACKE_dgesv", position: Int(-info)) }
        if info > 0 { throw .singular(order: n, zeroPivot: Int(info) - 1, reciprocalCondition: 0) }
        var rcond = 0.0
        let conInfo = LAPACKE_dgecon(LAPACK_ROW_MAJOR, lapackChar("1"), nn, lu, lda, anorm, &rcond)
        if conInfo < 0 { throw .illegalArgument(routine: "LAPACKE_dgecon", position: Int(-conInfo)) }
        if rcond < Double.ulpOfOne { throw .singular(order: n, zeroPivot: nil, reciprocalCondition: rcond) }
        return Matrix(rows: n, cols: b.cols, leadingDimension: b.leadingDimension, storage: x).compacted()
    }

    /// x with A·x = b for square A; see `solve(_:_:)` for the matrix form and the errors.
    public static func solve(_ a: Matrix, _ b: [Double]) throws(LinearAlgebraError) -> [Double] {
        try solve(a, Matrix(rows: b.count, cols: 1, storage: b)).elements
    }

    /// X minimising ‖A·X − B‖₂ (`LAPACKE_dgels`, row-major, no transpose). A is m × n of
    /// full rank min(m, n), B is m × r. m ≥ n: least squares by QR, with the residual sum of
    /// squares of each column; m < n: the minimum-norm exact solution by LQ (residuals 0).
    /// m = 0 gives X = 0; n = 0 gives a 0 × r X with residuals ‖bⱼ‖².
    ///
    /// - Throws: `LinearAlgebraError.rankDeficient` when A's triangular factor has an exact
    ///   zero on its diagonal or an estimated reciprocal condition number (1-norm, `dtrcon`)
    ///   below `Double.ulpOfOne` (plain `dgels` does not detect the latter: collinear
    ///   columns leave a diagonal of order 1e-16, not 0, and the "solution" would be noise);
    ///   `.nonFinite` for NaN/∞ input.
    /// - Precondition: `B.rows == A.rows`.
    public static func leastSquares(_ a: Matrix, _ b: Matrix) throws(LinearAlgebraError) -> LeastSquaresSolution {
        precondition(b.rows == a.rows, "leastSquares: A is \(a.rows)×\(a.cols) but B has \(b.rows) rows")
        let (m, n, r) = (a.rows, a.cols, b.cols)
        guard m > 0, n > 0 else {
            let rss = (0..<r).map { j in (0..<m).reduce(0.0) { $0 + b[$1, j] * b[$1, j] } }
            return LeastSquaresSolution(solution: Matrix(rows: n, cols: r), residualSumOfSquares: rss)
        }
        try checkFinite(a, routine: "leastSquares", operand: "A")
        try checkFinite(b, routine: "leastSquares", operand: "B")
        // B's buffer must hold max(m, n) rows: the n-row solution overwrites it in place.
        let bufferRows = Swift.max(m, n)
        let ldb = Swift.max(1, r)
        var xb = [Double](repeating: 0, count: bufferRows * ldb)
        for i in 0..<m { for j in 0..<r { xb[i * ldb + j] = b[i, j] } }
        var qr = a.storage
        let (mm, nn, lda) = (blasInt(m, "dgels m"), blasInt(n, "dgels n"), blasInt(a.leadingDimension, "dgels lda"))
        let info = LAPACKE_dgels(LAPACK_ROW_MAJOR, lapackChar("N"), mm, nn, blasInt(r, "dgels nrhs"),
                                 &qr, lda, &xb, blasInt(ldb, "dgels ldb"))
        if info < 0 { throw .illegalArgument(routine: "LAPACKE_dgels", position: Int(-info)) }
        if info > 0 { throw .rankDeficient(rows: m, cols: n, reciprocalCondition: 0) }
        // m ≥ n: R is the upper triangle of qr's first n rows; m < n: L is the lower
        // triangle of its first m columns. Either way a min(m, n)-order triangle at qr[0].
        var rcond = 0.0
        let conInfo = LAPACKE_dtrcon(LAPACK_ROW_MAJOR, lapackChar("1"), lapackChar(m >= n ? "U" : "L"),
                                     lapackChar("N"), Swift.min(mm, nn), qr, lda, &rcond)
        if conInfo < 0 { throw .illegalArgument(routine: "LAPACKE_dtrcon", position: Int(-conInfo)) }
        if rcond < Double.ulpOfOne { throw .rankDeficient(rows: m, cols: n, reciprocalCondition: rcond) }
        var solution = Matrix(rows: n, cols: r)
        for i in 0..<n { for j in 0..<r { solution[i, j] = xb[i * ldb + j] } }
        var rss = [Double](repeating: 0, count: r)
        if m > n {
            for i in n..<m { for j in 0..<r { rss[j] += xb[i * ldb + j] * xb[i * ldb + j] } }
        }
        return LeastSquaresSolution(solution: solution, residualSumOfSquares: rss)
    }

    /// x minimising ‖A·x − b‖₂; see `leastSquares(_:_:)` (matrix form) for the rules.
    public static func leastSquares(
        _ a: Matrix, _ b: [Double]
    ) throws(LinearAlgebraError) -> (solution: [Double], residualSumOfSquares: Double) {
        let result = try leastSquares(a, Matrix(rows: b.count, cols: 1, storage: b))
        return (result.solution.elements, result.residualSumOfSquares[0])
    }

    private static func checkFinite(_ m: Matrix, routine: String, operand: String) throws(LinearAlgebraError) {
        for i in 0..<m.rows {
            for j in 0..<m.cols where !m.storage[i * m.leadingDimension + j].isFinite {
                throw .nonFinite(routine: routine, operand: operand, row: i, col: j)
            }
        }
    }
}

/// A LAPACK `char` option ("N", "U", "1", …).
private func lapackChar(_ c: Unicode.Scalar) -> CChar {
    CChar(UInt8(ascii: c))
}

// MARK: - LSTM additions

extension BLAS {
    /// Matrix–vector product on a pointer view: y ← alpha·op(A)·x + beta·y (`cblas_?gemv`,
    /// row-major). op(A) is p × q; x holds q elements at stride 1, y p elements at stride 1.
    /// beta = 0 ignores y's old values. For the one-row products of the LSTM's online step
    /// and batch-1 prediction, where `gemm` with m = 1 would pack A on every call.
    ///
    /// p = 0 does nothing; q = 0 gives y ← beta·y.
    /// - Precondition: y does not overlap A or x.
    public static func gemv<Scalar: BLASScalar>(
        alpha: Scalar = 1, a: UnsafeMatrixView<Scalar>, transA: Transpose = .notTransposed,
        x: UnsafePointer<Scalar>, beta: Scalar = 0, y: UnsafeMutablePointer<Scalar>
    ) {
        let (p, q) = a.shape(transA)
        guard p > 0 else { return }
        guard q > 0 else {
            for i in 0..<p { y[i] = beta == 0 ? 0 : beta * y[i] }
            return
        }
        Scalar.uncheckedGEMV(
            transA: transA, m: blasInt(a.rows, "gemv m"), n: blasInt(a.cols, "gemv n"), alpha: alpha,
            a: a.baseAddress, lda: blasInt(a.leadingDimension, "gemv lda"), x: x, incX: 1, beta: beta, y: y, incY: 1)
    }
}
