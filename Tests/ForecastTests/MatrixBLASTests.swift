import Foundation
import Testing

@testable import Forecast

// Golden values: Tests/ForecastTests/Fixtures/blas.json, written by
// scripts/fixtures/gen_blas_fixtures.py (numpy; gemm references in np.longdouble, i.e.
// 80-bit extended precision and not through any BLAS).
//
// Tolerances. A computed dot product of k terms satisfies
//   |ĉ − c| ≤ γ_{k+2} · (|α|·Σₗ|a_il||b_lj| + |β|·|c_ij|),  γ_n = n·u / (1 − n·u)
// (Higham, Accuracy and Stability of Numerical Algorithms, §3.1 and §3.5), u = 2⁻⁵³ for
// Double, 2⁻²⁴ for Float. We compare against that scale ("relative to the magnitude of
// the summed terms", which stays meaningful when the terms cancel):
// * Double: 1e-12. With k ≤ 23, γ ≈ 25·1.1e-16 ≈ 2.8e-15, so ~350× margin for the
//   blocking/FMA order OpenBLAS picks; a layout, transpose or leading-dimension bug gives
//   errors of order 1 (wrong elements), twelve orders of magnitude above the bar.
// * Float: 1e-5. γ ≈ 25·6e-8 ≈ 1.5e-6, so ~7× margin; same argument for bugs.
// * dgesv/dgels: relative error of the solution ≲ κ(A)·u·(small constant); the fixture
//   systems have κ < 100 (stored in the JSON), so 1e-10 relative to max|x| leaves
//   >1000× margin over κ·u ≈ 2e-14 while still catching any wrong answer.

// MARK: - Fixture loading

struct FixtureMatrix: Decodable {
    let rows: Int
    let cols: Int
    let ld: Int
    /// rows × ld, row-major, padding decoded from "NaN" to .nan.
    let data: [Double]

    func matrix<S: BLASScalar>(_: S.Type = S.self) -> Matrix<S> {
        Matrix(rows: rows, cols: cols, leadingDimension: ld, storage: data.map { S($0) })
    }
}

struct GEMMCase: Decodable {
    let name: String
    let transA: Bool
    let transB: Bool
    let m: Int
    let n: Int
    let k: Int
    let alpha: Double
    let beta: Double
    let a: FixtureMatrix
    let b: FixtureMatrix
    let c: FixtureMatrix
    let expected: FixtureMatrix
}

struct SolveCase: Decodable {
    let name: String
    let a: FixtureMatrix
    let b: FixtureMatrix
    let x: FixtureMatrix
    let conditionNumber: Double
}

struct LeastSquaresCase: Decodable {
    let name: String
    let a: FixtureMatrix
    let b: FixtureMatrix
    let x: FixtureMatrix
    let residualSumOfSquares: [Double]
    let conditionNumber: Double
}

struct BLASFixture: Decodable {
    let sgemm: [GEMMCase]
    let dgemm: [GEMMCase]
    let dgesv: [SolveCase]
    let dgels: [LeastSquaresCase]

    static func load() throws -> BLASFixture {
        let url = try #require(Bundle.module.url(forResource: "blas", withExtension: "json", subdirectory: "Fixtures"))
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try decoder.decode(BLASFixture.self, from: Data(contentsOf: url))
    }
}

private func op(_ transposed: Bool) -> Transpose { transposed ? .transposed : .notTransposed }

/// Runs one fixture case through `Matrix.gemm` in scalar type S and checks every element
/// against the reference within `tolerance` × (|α|·Σ|a||b| + |β|·|c|), plus that C's
/// padding (NaN in the fixture) is still there.
private func checkGEMM<S: BLASScalar>(_ fixture: GEMMCase, as _: S.Type, tolerance: Double) {
    let a: Matrix<S> = fixture.a.matrix()
    let b: Matrix<S> = fixture.b.matrix()
    var c: Matrix<S> = fixture.c.matrix()
    let c0 = c
    c.gemm(alpha: S(fixture.alpha), a: a, transA: op(fixture.transA), b: b, transB: op(fixture.transB),
           beta: S(fixture.beta))

    #expect(c.rows == fixture.m && c.cols == fixture.n && c.leadingDimension == fixture.c.ld, "\(fixture.name)")
    var worst = 0.0
    for i in 0..<fixture.m {
        for j in 0..<fixture.n {
            var scale = abs(fixture.beta) * abs(Double(c0[i, j]))
            for l in 0..<fixture.k {
                let ail = fixture.transA ? a[l, i] : a[i, l]
                let blj = fixture.transB ? b[j, l] : b[l, j]
                scale += abs(fixture.alpha) * abs(Double(ail)) * abs(Double(blj))
            }
            let got = Double(c[i, j])
            let want = fixture.expected.data[i * fixture.expected.ld + j]
            #expect(got.isFinite, "\(fixture.name): C[\(i), \(j)] = \(got); padding leaked into the result")
            worst = max(worst, abs(got - want) / scale)
        }
        for p in fixture.n..<c.leadingDimension {
            #expect(c.storage[i * c.leadingDimension + p].isNaN, "\(fixture.name): padding C[\(i)][\(p)] was written")
        }
    }
    #expect(worst <= tolerance, "\(fixture.name): worst scaled error \(worst) > \(tolerance)")
}

// MARK: - gemm against numpy

@Suite("Matrix BLAS bridge")
struct MatrixBLASTests {
    static let transposes: [Transpose] = [.notTransposed, .transposed]

    @Test("sgemm 5×7·7×3 padded, α=1.5, β=−0.75", arguments: transposes, transposes)
    func sgemmAllTransposes(transA: Transpose, transB: Transpose) throws {
        let fixture = try BLASFixture.load()
        let matching = fixture.sgemm.filter {
            op($0.transA) == transA && op($0.transB) == transB && $0.name.contains("5x7*7x3")
        }
        let testCase = try #require(matching.first)
        #expect(testCase.a.ld > testCase.a.cols && testCase.b.ld > testCase.b.cols && testCase.c.ld > testCase.c.cols)
        checkGEMM(testCase, as: Float.self, tolerance: 1e-5)
    }

    @Test("dgemm 5×7·7×3 padded, α=1.5, β=−0.75", arguments: transposes, transposes)
    func dgemmAllTransposes(transA: Transpose, transB: Transpose) throws {
        let fixture = try BLASFixture.load()
        let matching = fixture.dgemm.filter {
            op($0.transA) == transA && op($0.transB) == transB && $0.name.contains("5x7*7x3")
        }
        let testCase = try #require(matching.first)
        checkGEMM(testCase, as: Double.self, tolerance: 1e-12)
    }

    @Test("sgemm/dgemm remaining fixture cases (compact β=0, 19×23·23×17 blocked)")
    func gemmOtherCases() throws {
        let fixture = try BLASFixture.load()
        #expect(fixture.sgemm.count == 6 && fixture.dgemm.count == 6)
        for testCase in fixture.sgemm where !testCase.name.contains("5x7*7x3") {
            checkGEMM(testCase, as: Float.self, tolerance: 1e-5)
        }
        for testCase in fixture.dgemm where !testCase.name.contains("5x7*7x3") {
            checkGEMM(testCase, as: Double.self, tolerance: 1e-12)
        }
    }

    // MARK: - Layout: padding, sub-blocks, degenerate shapes

    @Test("gemm leaves C's padding untouched and ignores NaN padding in A and B")
    func paddingUntouched() {
        let sentinel = -7.25
        var a = Matrix<Double>(rows: 2, cols: 3, leadingDimension: 5, repeating: .nan)
        var b = Matrix<Double>(rows: 3, cols: 2, leadingDimension: 4, repeating: .nan)
        var c = Matrix<Double>(rows: 2, cols: 2, leadingDimension: 6, repeating: sentinel)
        for i in 0..<2 { for j in 0..<3 { a[i, j] = Double(i * 3 + j + 1) } }   // [[1,2,3],[4,5,6]]
        for i in 0..<3 { for j in 0..<2 { b[i, j] = Double(i * 2 + j + 1) } }   // [[1,2],[3,4],[5,6]]
        for i in 0..<2 { for j in 0..<2 { c[i, j] = 1 } }
        c.gemm(alpha: 2, a: a, b: b, beta: 10)
        // A·B = [[22, 28], [49, 64]] → 2·A·B + 10·1
        #expect(c == Matrix(rowArrays: [[54, 66], [108, 138]]))
        for i in 0..<2 {
            for p in 2..<6 {
                #expect(c.storage[i * 6 + p].bitPattern == sentinel.bitPattern, "C padding [\(i)][\(p)] changed")
            }
        }
    }

    @Test("beta = 0 makes C write-only: NaN already in C does not propagate")
    func betaZeroIgnoresC() {
        let a = Matrix<Float>(rowArrays: [[1, 2], [3, 4]])
        var c = Matrix<Float>(rows: 2, cols: 2, repeating: .nan)
        c.gemm(a: a, b: .identity(2), beta: 0)
        #expect(c == a)
    }

    @Test("k = 0 gives C ← β·C; m = 0 is a no-op")
    func emptyInnerDimension() {
        var c = Matrix<Double>(rowArrays: [[1, 2], [3, 4]])
        c.gemm(a: Matrix(rows: 2, cols: 0), b: Matrix(rows: 0, cols: 2), beta: 3)
        #expect(c == Matrix(rowArrays: [[3, 6], [9, 12]]))
        var empty = Matrix<Double>(rows: 0, cols: 2)
        empty.gemm(a: Matrix(rows: 0, cols: 3), b: Matrix(rows: 3, cols: 2))
        #expect(empty.rows == 0 && empty.storage.isEmpty)
    }

    @Test("pointer views multiply sub-blocks of one big buffer in place")
    func pointerViewsOnSubBlocks() {
        // A 6×10 buffer: A = rows 1...2, cols 2...4 (2×3); B = rows 3...5, cols 6...7 (3×2).
        // C = 2×2 block at row 0, col 7 of a separate 3×9 buffer.
        let big = (0..<60).map { Double($0) }
        var out = [Double](repeating: -1, count: 27)
        big.withUnsafeBufferPointer { bp in
            out.withUnsafeMutableBufferPointer { op in
                let a = UnsafeMatrixView(baseAddress: bp.baseAddress! + 1 * 10 + 2, rows: 2, cols: 3, leadingDimension: 10)
                let b = UnsafeMatrixView(baseAddress: bp.baseAddress! + 3 * 10 + 6, rows: 3, cols: 2, leadingDimension: 10)
                let c = UnsafeMutableMatrixView(baseAddress: op.baseAddress! + 7, rows: 2, cols: 2, leadingDimension: 9)
                BLAS.gemm(a: a, b: b, c: c)
            }
        }
        let a = Matrix<Double>(rowArrays: [[12, 13, 14], [22, 23, 24]])
        let b = Matrix<Double>(rowArrays: [[36, 37], [46, 47], [56, 57]])
        let want = a * b
        #expect(out[7] == want[0, 0] && out[8] == want[0, 1] && out[16] == want[1, 0] && out[17] == want[1, 1])
        let untouched = out.indices.filter { ![7, 8, 16, 17].contains($0) }
        #expect(untouched.allSatisfy { out[$0] == -1 }, "gemm wrote outside the 2×2 block")
    }

    @Test("op(A)·op(B) agrees with explicit transposes, (A·B)ᵀ = Bᵀ·Aᵀ")
    func transposeConsistency() {
        let a = Matrix<Double>(rowArrays: [[1, -2, 3.5], [0.25, 4, -1]])          // 2×3
        let b = Matrix<Double>(rowArrays: [[2, 1], [-1, 0.5], [3, -2], [1, 1]])    // 4×2
        let viaFlags = Matrix.product(alpha: 1, a: a, transA: .transposed, b: b, transB: .transposed)  // 3×4
        #expect(viaFlags == a.transposed() * b.transposed())
        #expect((b * a).transposed() == a.transposed() * b.transposed())
        #expect(a.transposed().transposed() == a)
    }

    // MARK: - gemv, axpy, dot

    @Test("gemv, axpy and dot on small exact cases")
    func levelOneAndTwo() {
        let a = Matrix<Float>(rows: 2, cols: 3, leadingDimension: 4,
                              storage: [1, 2, 3, .nan, 4, 5, 6, .nan])
        #expect(a * [1, 0, -1] == [-2, -2])
        var y: [Float] = [1, 1, 1]
        a.gemv(alpha: 2, transA: .transposed, x: [1, 1], beta: -1, y: &y)   // 2·Aᵀ·1 − 1
        #expect(y == [9, 13, 17])
        var z: [Double] = [1, 2, 3]
        BLAS.axpy(alpha: 2, x: [1, 1, 1], y: &z)
        #expect(z == [3, 4, 5])
        #expect(BLAS.dot([1.0, 2, 3], [4.0, 5, 6]) == 32)
        #expect(BLAS.dot([Double](), []) == 0)
    }

    // MARK: - LAPACK: solve

    @Test("dgesv matches numpy.linalg.solve")
    func solveMatchesNumpy() throws {
        let fixture = try BLASFixture.load()
        for testCase in fixture.dgesv {
            #expect(testCase.conditionNumber < 100)
            let x = try Matrix.solve(testCase.a.matrix(Double.self), testCase.b.matrix())
            let want: Matrix<Double> = testCase.x.matrix()
            expectRelativelyClose(x, want, tolerance: 1e-10, testCase.name)
        }
    }

    @Test("solve throws .singular for an exactly singular matrix")
    func solveSingularExactPivot() {
        let a = Matrix<Double>(rowArrays: [[1, 2], [2, 4]])
        #expect(throws: LinearAlgebraError.singular(order: 2, zeroPivot: 1, reciprocalCondition: 0)) {
            try Matrix.solve(a, [1, 2])
        }
        do {
            _ = try Matrix.solve(a, [1, 2])
        } catch {
            #expect(error.description.contains("singular"))
        }
    }

    @Test("solve: Hilbert(10) (κ ≈ 1.6e13) solves; Hilbert(13) has no zero pivot but rcond < ε")
    func solveNumericallySingular() throws {
        func hilbert(_ n: Int) -> Matrix<Double> {
            Matrix(rowArrays: (0..<n).map { i in (0..<n).map { j in 1.0 / Double(i + j + 1) } })
        }
        let h10 = hilbert(10)
        let x = try Matrix.solve(h10, h10 * [Double](repeating: 1, count: 10))
        #expect(x.allSatisfy { abs($0 - 1) < 1e-2 }, "κ·u ≈ 4e-3 bounds the error; got \(x)")
        do {
            _ = try Matrix.solve(hilbert(13), [Double](repeating: 1, count: 13))
            Issue.record("Hilbert(13), κ₁ ≈ 1e18, was solved")
        } catch {
            guard case let .singular(order, zeroPivot, rcond) = error else {
                Issue.record("expected .singular, got \(error)")
                return
            }
            #expect(order == 13 && zeroPivot == nil && rcond > 0 && rcond < Double.ulpOfOne)
            #expect(error.description.contains("numerically singular"))
        }
    }

    @Test("solve rejects NaN input with its position")
    func solveRejectsNaN() {
        var a = Matrix<Double>.identity(3)
        a[1, 2] = .nan
        #expect(throws: LinearAlgebraError.nonFinite(routine: "solve", operand: "A", row: 1, col: 2)) {
            try Matrix.solve(a, [1, 2, 3])
        }
    }

    // MARK: - LAPACK: least squares

    @Test("dgels matches numpy.linalg.lstsq (overdetermined and minimum-norm)")
    func leastSquaresMatchesNumpy() throws {
        let fixture = try BLASFixture.load()
        #expect(fixture.dgels.count == 2)
        for testCase in fixture.dgels {
            #expect(testCase.conditionNumber < 100)
            let result = try Matrix.leastSquares(testCase.a.matrix(Double.self), testCase.b.matrix())
            expectRelativelyClose(result.solution, testCase.x.matrix(), tolerance: 1e-10, testCase.name)
            #expect(result.residualSumOfSquares.count == testCase.residualSumOfSquares.count)
            for (got, want) in zip(result.residualSumOfSquares, testCase.residualSumOfSquares) {
                #expect(abs(got - want) <= 1e-10 * max(want, 1e-300) || (want < 1e-20 && got < 1e-20),
                        "\(testCase.name): RSS \(got) vs numpy \(want)")
            }
        }
    }

    @Test("leastSquares vector form fits a straight line")
    func leastSquaresLine() throws {
        // y = 2 + 3t at t = 0...4 with +1 at t = 0 and −1 at t = 4: y = [3, 5, 8, 11, 13].
        // Normal equations by hand: slope = Σ(t−2)(y−8)/Σ(t−2)² = 26/10 = 2.6,
        // intercept = 8 − 2.6·2 = 2.8, residuals [0.2, −0.4, 0, 0.4, −0.2], RSS = 0.4.
        let a = Matrix<Double>(rowArrays: [0.0, 1, 2, 3, 4].map { [1, $0] })
        let fit = try Matrix.leastSquares(a, [3, 5, 8, 11, 13])
        #expect(abs(fit.solution[0] - 2.8) < 1e-12 && abs(fit.solution[1] - 2.6) < 1e-12)
        #expect(abs(fit.residualSumOfSquares - 0.4) < 1e-12)
    }

    @Test("leastSquares throws .rankDeficient: exact collinearity, zero column, rounding-level collinearity, bad scaling")
    func leastSquaresRankDeficient() {
        let c1: [Double] = [0.3, 1.7, -0.9, 2.3, 0.11, -1.3], c2: [Double] = [1.1, -0.4, 0.7, 0.2, 1.9, 0.6]
        // (matrix, dgels must leave an exact zero on the diagonal?) – nil: either path will do.
        let cases: [(name: String, a: Matrix<Double>, exactZero: Bool?)] = [
            ("col3 = col1 + col2", Matrix(rowArrays: [[1, 2, 3], [2, 1, 3], [0.5, 4, 4.5], [3, -1, 2], [1, 1, 2]]), nil),
            ("zero column", Matrix(rowArrays: [[1, 0], [2, 0], [3, 0]]), true),
            // Inexact 0.1·col1 + 0.7·col2: R₃₃ is rounding noise (~1e-17), not 0; plain dgels accepts it.
            ("col3 = 0.1·col1 + 0.7·col2", Matrix(rowArrays: (0..<6).map { [c1[$0], c2[$0], 0.1 * c1[$0] + 0.7 * c2[$0]] }), nil),
            // R₂₂ ≈ 1e-20 ≠ 0 (upper-triangular R branch of dtrcon) and its LQ twin (lower L branch).
            ("badly scaled column", Matrix(rowArrays: [[1, 1e-20], [2, 0], [3, 1e-20]]), false),
            ("badly scaled row, underdetermined", Matrix(rowArrays: [[1, 2, 3], [1e-20, 0, 1e-20]]), false),
            // L = [[1, 0], [1e9, 1]] has unit diagonal but κ₁ ≈ 1e18: only reading the lower
            // triangle (where dgels leaves L) sees it; the upper one holds Householder data.
            ("ill-conditioned L, underdetermined", Matrix(rowArrays: [[1, 0, 0], [1e9, 1, 0]]), false),
        ]
        for (name, a, exactZero) in cases {
            do {
                _ = try Matrix.leastSquares(a, [Double](repeating: 1, count: a.rows))
                Issue.record("\(name): a rank-deficient \(a.rows)×\(a.cols) matrix was solved")
            } catch {
                guard case let .rankDeficient(rows, cols, rcond) = error else {
                    Issue.record("\(name): expected .rankDeficient, got \(error)")
                    continue
                }
                #expect(rows == a.rows && cols == a.cols && rcond < Double.ulpOfOne, "\(name)")
                if let exactZero { #expect((rcond == 0) == exactZero, "\(name): rcond \(rcond)") }
            }
        }
    }

    @Test("leastSquares with no unknowns returns the RSS of B")
    func leastSquaresNoUnknowns() throws {
        let result = try Matrix.leastSquares(Matrix(rows: 3, cols: 0), Matrix(rowArrays: [[1], [2], [2]]))
        #expect(result.solution.rows == 0 && result.residualSumOfSquares == [9])
    }

    // MARK: - Matrix value basics

    @Test("equality ignores padding; Codable round-trips the logical elements")
    func equalityAndCodable() throws {
        let padded = Matrix<Double>(rows: 2, cols: 2, leadingDimension: 3, storage: [1, 2, .nan, 3, 4, .infinity])
        let compact = Matrix<Double>(rowArrays: [[1, 2], [3, 4]])
        #expect(padded == compact && padded.compacted().storage == [1, 2, 3, 4])
        #expect(padded != Matrix(rowArrays: [[1, 2, 3], [4, 5, 6]]))
        let data = try JSONEncoder().encode(padded)
        #expect(try JSONDecoder().decode(Matrix<Double>.self, from: data) == compact)
        let bad = Data(#"{"rows": 2, "cols": 2, "elements": [1, 2, 3]}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Matrix<Float>.self, from: bad) }
    }

    @Test("shape bookkeeping: rowArrays, row, transposed, identity")
    func shapes() {
        let m = Matrix<Float>(rowArrays: [[1, 2, 3], [4, 5, 6]])
        #expect(m.rows == 2 && m.cols == 3 && m.leadingDimension == 3 && m.isCompact)
        #expect(m.row(1) == [4, 5, 6] && m.rowArrays == [[1, 2, 3], [4, 5, 6]])
        #expect(m.transposed() == Matrix(rowArrays: [[1, 4], [2, 5], [3, 6]]))
        #expect(Matrix<Float>.identity(2) == Matrix(rowArrays: [[1, 0], [0, 1]]))
        #expect(Matrix<Double>(rowArrays: []).rows == 0)
        #expect(Matrix<Double>(rows: 3, cols: 0).leadingDimension == 1)
    }
}

/// Every element of `got` within `tolerance · max|want|` of `want` (normwise relative).
private func expectRelativelyClose(_ got: Matrix<Double>, _ want: Matrix<Double>, tolerance: Double, _ name: String) {
    #expect(got.rows == want.rows && got.cols == want.cols, "\(name): shape \(got.rows)×\(got.cols)")
    guard got.rows == want.rows, got.cols == want.cols else { return }
    let scale = want.elements.map(abs).max() ?? 0
    let worst = zip(got.elements, want.elements).map { abs($0 - $1) }.max() ?? 0
    #expect(worst <= tolerance * scale, "\(name): max error \(worst) vs tolerance \(tolerance) × \(scale)")
}
