import Foundation

/// The Fréchet distance between Gaussians fitted to two sets of embeddings (FID's formula, in whatever embedding
/// space is given): ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁^½ Σ₂ Σ₁^½)^½). In Double, with symmetric square roots by
/// Jacobi eigendecomposition (small dimensions: the world's evaluators embed in 64).
public enum FrechetDistance {
    public static func between(_ a: [[Float]], _ b: [[Float]]) -> Double {
        let (meanA, covA) = moments(a), (meanB, covB) = moments(b)
        let shift = zip(meanA, meanB).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let rootA = symmetricSquareRoot(covA)
        let middle = symmetricSquareRoot(product(product(rootA, covB), rootA))
        let n = covA.count
        var trace = 0.0
        for i in 0..<n { trace += covA[i][i] + covB[i][i] - 2 * middle[i][i] }
        return shift + trace
    }

    /// Mean and unbiased covariance of the rows.
    static func moments(_ rows: [[Float]]) -> ([Double], [[Double]]) {
        let n = rows.count, d = rows[0].count
        var mean = [Double](repeating: 0, count: d)
        for row in rows { for j in 0..<d { mean[j] += Double(row[j]) / Double(n) } }
        var cov = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        for row in rows {
            for i in 0..<d {
                let di = Double(row[i]) - mean[i]
                for j in i..<d { cov[i][j] += di * (Double(row[j]) - mean[j]) / Double(max(1, n - 1)) }
            }
        }
        for i in 0..<d { for j in 0..<i { cov[i][j] = cov[j][i] } }
        return (mean, cov)
    }

    static func product(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
        let n = a.count
        var out = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n { for k in 0..<n where a[i][k] != 0 { for j in 0..<n { out[i][j] += a[i][k] * b[k][j] } } }
        return out
    }

    /// V·diag(√max(λ, 0))·Vᵀ for a symmetric matrix (negative eigenvalues from rounding are clipped to 0).
    static func symmetricSquareRoot(_ m: [[Double]]) -> [[Double]] {
        let (values, vectors) = jacobiEigen(m)
        let n = m.count
        var out = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for k in 0..<n {
            let root = max(values[k], 0).squareRoot()
            guard root > 0 else { continue }
            for i in 0..<n { for j in 0..<n { out[i][j] += vectors[i][k] * root * vectors[j][k] } }
        }
        return out
    }

    /// Eigenvalues and eigenvectors (columns) of a symmetric matrix by cyclic Jacobi rotations.
    static func jacobiEigen(_ m: [[Double]]) -> ([Double], [[Double]]) {
        let n = m.count
        var a = m
        var v = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        for _ in 0..<100 {
            var off = 0.0
            for i in 0..<n { for j in i + 1..<n { off += a[i][j] * a[i][j] } }
            if off < 1e-22 { break }
            for p in 0..<n {
                for q in p + 1..<n where abs(a[p][q]) > 1e-300 {
                    let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                    let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let akp = a[k][p], akq = a[k][q]
                        a[k][p] = c * akp - s * akq
                        a[k][q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p][k], aqk = a[q][k]
                        a[p][k] = c * apk - s * aqk
                        a[q][k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k][p], vkq = v[k][q]
                        v[k][p] = c * vkp - s * vkq
                        v[k][q] = s * vkp + c * vkq
                    }
                }
            }
        }
        return ((0..<n).map { a[$0][$0] }, v)
    }
}
