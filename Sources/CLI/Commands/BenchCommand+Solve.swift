import Foundation
import TensorCore

extension BenchCommand {
    /// `bench solve`: G += XᵀX (Float32 X [2n, n] accumulated in Float64) then (G + 0·I)·X = C with C [n, m].
    /// Prints seconds and GFLOP/s of each step (Gram: 2·r·n² flops; solve: n³/3 + 2·n²·m).
    static func runSolve(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let n = try args.int("n", in: 1...65536) ?? 4096
        let m = try args.int("m", in: 0...65536) ?? n
        let rows = 2 * n
        let x = uniformFloats(rows * n, seed: 3)                  // X: [2n, n]
        var g = [Double](repeating: 0, count: n * n)              // G: [n, n]
        let t0 = now(false)
        x.withUnsafeBufferPointer { px in
            g.withUnsafeMutableBufferPointer { pg in
                Gram64.accumulateXtX(rows: rows, cols: n, x: px.baseAddress!, ldx: n, g: pg.baseAddress!)
            }
        }
        let gram = now(false) - t0
        let c = uniformFloats(n * m, seed: 4).map(Double.init)   // C: [n, m]
        let t1 = now(false)
        let (_, report) = try CholeskySolver.solve(g: g, c: c, n: n, m: m)
        let solve = now(false) - t1
        let gramFlops = 2 * Double(rows) * Double(n) * Double(n)
        let solveFlops = Double(n) * Double(n) * Double(n) / 3 + 2 * Double(n) * Double(n) * Double(m)
        let line = String(format: "n=%d m=%d threads=%d path=%@: Gram %.3f s (%.1f GFLOP/s), solve %.3f s (%.1f GFLOP/s), κ₁≈%.3g, ridge %g%@",
                          n, m, Parallel.defaultThreads, KernelPath.active.rawValue, gram, gramFlops / gram / 1e9,
                          solve, solveFlops / solve / 1e9, report.conditionEstimate, report.ridge,
                          report.usedFallback ? " (fallback)" : "")
        if args.flag("json") {
            try context.printJSON(["n": n, "m": m, "gramSeconds": gram, "solveSeconds": solve,
                                   "condition": report.conditionEstimate, "ridge": report.ridge,
                                   "usedFallback": report.usedFallback, "path": KernelPath.active.rawValue])
        } else {
            context.print(line)
        }
        return 0
    }

    /// `bench attention`: the model's causal attention (`Kernels.causalAttention`, blocked GEMMs) at SmolLM2-135M's shape (9 query heads, 3 KV heads, head size 64)
    /// over --n tokens; flops counted as 4·hd·H·T²/2 (scores and weighted sum over the causal half).
    static func runAttention(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let t = try args.int("n", in: 1...131072) ?? 2048
        let minTime = try args.double("min-time", in: 0...3600) ?? 1
        let heads = 9, kvHeads = 3, hd = 64
        let q = uniformFloats(t * heads * hd, seed: 5)          // q: [T, H·hd]
        let k = uniformFloats(t * kvHeads * hd, seed: 6)        // k: [T, KV·hd]
        let v = uniformFloats(t * kvHeads * hd, seed: 7)        // v: [T, KV·hd]
        var out = [Float](repeating: 0, count: t * heads * hd)  // out: [T, H·hd]
        let scratch = FloatBuffer()
        let best = timeBest(minTime: minTime, cpuTime: false, threads: Parallel.defaultThreads) {
            Kernels.causalAttention(seqLen: t, heads: heads, kvHeads: kvHeads, headDim: hd, q: q, k: k, v: v, out: &out,
                                    scratch: scratch)
        }
        let flops = 4 * Double(hd) * Double(heads) * Double(t) * Double(t) / 2
        context.print(String(format: "attention T=%d H=%d KV=%d hd=%d threads=%d path=%@: %.3f ms, %.1f GFLOP/s",
                             t, heads, kvHeads, hd, Parallel.defaultThreads, KernelPath.active.rawValue,
                             best * 1e3, flops / best / 1e9))
        return 0
    }
}
