import CBLAS

/// Eigenvalues of symmetric matrices (LAPACK dsyev through OpenBLAS), in float64:
/// NTK Gram spectra at init need λ_min to many digits even when it is tiny.
public enum SymmetricEigen {
    /// Eigenvalues of the n×n symmetric matrix `matrix` (row-major, only the
    /// lower triangle is read), in ascending order.
    public static func eigenvalues(of matrix: [Double], n: Int) throws -> [Double] {
        guard n > 0 else { return [] }
        guard matrix.count == n * n else {
            throw TrainingError(.shapeMismatch, "eigenvalues: expected \(n)×\(n) = \(n * n) entries, got \(matrix.count)")
        }
        var a = matrix
        var w = [Double](repeating: 0, count: n)
        var nn = Int32(n), lda = Int32(n), info: Int32 = 0
        var jobz = Int8(UInt8(ascii: "N")), uplo = Int8(UInt8(ascii: "U"))
        // Workspace query first, then the real call.
        var lwork: Int32 = -1
        var query = 0.0
        dsyev_(&jobz, &uplo, &nn, &a, &lda, &w, &query, &lwork, &info)
        lwork = Int32(max(1, Int(query)))
        var work = [Double](repeating: 0, count: Int(lwork))
        dsyev_(&jobz, &uplo, &nn, &a, &lda, &w, &work, &lwork, &info)
        guard info == 0 else {
            throw TrainingError(.invalidData, "eigenvalues: LAPACK dsyev failed (info \(info))")
        }
        return w
    }
}
