/// Gathers rows of a Float32 matrix into a Float64 batch (the minibatches of an optimiser over stored activations).
public enum RowGather {
    /// out[i, :] = Double(x[indices[i], :]), or out[i, :] += … when `accumulate`.
    /// x: [N, D] row-major (every index < N); out: [indices.count, D].
    public static func gather64(indices: UnsafeBufferPointer<Int>, width d: Int, from x: UnsafePointer<Float>,
                                into out: UnsafeMutablePointer<Double>, accumulate: Bool = false) {
        for (i, row) in indices.enumerated() {
            let src = x + row * d, dst = out + i * d
            if accumulate {
                for j in 0..<d { dst[j] += Double(src[j]) }
            } else {
                for j in 0..<d { dst[j] = Double(src[j]) }
            }
        }
    }

    /// y[i] = x[i] − y[i] over [count], in Float32 (a target formed in place over a stored row).
    public static func reverseDifference(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        for i in 0..<count { y[i] = x[i] - y[i] }
    }
}
