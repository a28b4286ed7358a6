/// Why a LAPACK-backed solve (`Matrix.solve`, `Matrix.leastSquares`) produced no answer.
///
/// Shape mismatches are not here: they are programmer errors and stop at a `precondition`.
/// Indices in these errors are zero-based, like the rest of `Matrix`.
public enum LinearAlgebraError: Error, Sendable, Equatable {
    /// The `order × order` matrix of a square system is singular in working precision.
    ///
    /// `zeroPivot` is the column whose pivot was exactly zero in the LU factorisation
    /// (`dgesv` info > 0); it is `nil` when every pivot was non-zero but the estimated
    /// reciprocal condition number `reciprocalCondition` (1-norm, `dgecon`) fell below
    /// `Double.ulpOfOne`, so the solution would carry no correct digits.
    case singular(order: Int, zeroPivot: Int?, reciprocalCondition: Double)

    /// A `rows × cols` least-squares matrix does not have full rank `min(rows, cols)`:
    /// a diagonal element of its triangular QR/LQ factor was exactly zero (`dgels`
    /// info > 0; `reciprocalCondition` is then 0), or the factor's estimated reciprocal
    /// condition number (1-norm, `dtrcon`) fell below `Double.ulpOfOne`.
    case rankDeficient(rows: Int, cols: Int, reciprocalCondition: Double)

    /// An input held NaN or ±infinity at `(row, col)`; LAPACK's results would be meaningless.
    case nonFinite(routine: String, operand: String, row: Int, col: Int)

    /// LAPACK rejected argument number `position` (1-based, info < 0). The bridge validates
    /// shapes first, so this means a bug in `Matrix+BLAS.swift`.
    case illegalArgument(routine: String, position: Int)
}

extension LinearAlgebraError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .singular(order, zeroPivot?, _):
            return "the \(order)×\(order) system matrix is singular (exactly zero pivot in column \(zeroPivot) "
                + "of its LU factorisation): its rows are linearly dependent, so there is no unique solution; "
                + "remove the redundant equations or use leastSquares"
        case let .singular(order, nil, rcond):
            return "the \(order)×\(order) system matrix is numerically singular (reciprocal condition number "
                + "\(rcond) < machine epsilon \(Double.ulpOfOne)): a solution would have no correct digits; "
                + "rescale the variables, drop near-duplicate equations or regularise"
        case let .rankDeficient(rows, cols, rcond):
            return "the \(rows)×\(cols) least-squares matrix is rank deficient (rank < \(min(rows, cols)); "
                + "reciprocal condition number of its triangular factor \(rcond)): some columns are "
                + "(nearly) linear combinations of others; drop or merge those regressors"
        case let .nonFinite(routine, operand, row, col):
            return "\(routine): \(operand)[\(row), \(col)] is not finite (NaN or infinity); "
                + "clean or impute the input before solving"
        case let .illegalArgument(routine, position):
            return "\(routine) rejected argument \(position); the Matrix bridge should have prevented this, "
                + "please report it with the shapes involved"
        }
    }
}
