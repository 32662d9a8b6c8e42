import Foundation

/// Rotary position embedding frequencies and angle tables (HF `LlamaRotaryEmbedding`).
public enum RoPEScaling: Sendable, Equatable {
    case none
    /// Llama-3 frequency scaling (`rope_type: "llama3"`).
    case llama3(factor: Double, lowFreqFactor: Double, highFreqFactor: Double, originalMaxPositions: Int)
}

public enum RoPE {
    /// `inv_freq[j] = θ^(−2j/headDim)` for j < headDim/2, then scaled as HF `_compute_llama3_parameters`:
    /// wavelen = 2π/inv_freq; wavelen > original/low → inv_freq/factor; wavelen < original/high → unchanged;
    /// otherwise smooth = (original/wavelen − low)/(high − low), inv = (1−smooth)·inv/factor + smooth·inv.
    /// Computed in Float64, returned as Float32 as HF stores it.
    public static func inverseFrequencies(headDim: Int, theta: Double, scaling: RoPEScaling = .none) -> [Float] {
        let half = headDim / 2
        var inv = (0..<half).map { j in 1.0 / Foundation.pow(theta, Double(2 * j) / Double(headDim)) }
        if case let .llama3(factor, low, high, original) = scaling {
            let lowWavelen = Double(original) / low, highWavelen = Double(original) / high
            inv = inv.map { f in
                let wavelen = 2 * Double.pi / f
                if wavelen < highWavelen { return f }
                if wavelen > lowWavelen { return f / factor }
                let smooth = (Double(original) / wavelen - low) / (high - low)
                return (1 - smooth) * f / factor + smooth * f
            }
        }
        return inv.map { Float($0) }
    }

    /// cos and sin tables for positions `start ..< start+count`: each [count, headDim/2], angle = pos·inv_freq[j]
    /// computed in Float32 as HF does (`position_ids.float() @ inv_freq`).
    public static func tables(invFreq: [Float], start: Int = 0, count: Int) -> (cos: [Float], sin: [Float]) {
        let half = invFreq.count
        var c = [Float](repeating: 0, count: count * half), s = c
        for t in 0..<count {
            for j in 0..<half {
                let angle = Float(start + t) * invFreq[j]
                c[t * half + j] = Foundation.cos(angle)
                s[t * half + j] = Foundation.sin(angle)
            }
        }
        return (c, s)
    }
}
