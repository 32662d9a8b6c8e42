import Foundation
import TensorCore

/// `replaceme bench gemm [--threads N] [--shapes M,K,N;…] [--min-time S] [--json]`: Float32 GEMM speed
/// (`C = A·Bᵀ`, B in [out, in] layout) in GFLOP/s on the shapes. `scripts/bench-gemm.sh` runs it next
/// to numpy/OpenBLAS and prints the ratio. `replaceme bench solve [--n N] [--m M]` times the Float64 Gram
/// accumulation and the Cholesky solve (see BenchCommand+Solve.swift).
enum BenchCommand {
    /// (M, K, N) of the benchmark: the SmolLM2/LLaMA projection shapes at 2048 tokens, and two decode-like ones.
    static let defaultShapes: [(m: Int, k: Int, n: Int)] = [
        (2048, 576, 1536), (2048, 1536, 576), (2048, 576, 49152), (2048, 2048, 5632),
        (2048, 4096, 4096), (2048, 4096, 14336), (1, 4096, 4096), (7, 4096, 4096),
    ]

    static let spec = CommandSpec(
        name: "bench",
        summary: "Measure kernel speed: 'gemm' (Float32 C = A·Bᵀ), 'solve' (Gram + Cholesky, Float64), 'attention'.",
        discussion: """
        Each shape runs once to warm up, then repeatedly for at least --min-time seconds; the best run is
        reported. The kernel path (REPLACEME_KERNELS to force one) and the CPU features are printed.
        Compare with numpy/OpenBLAS: scripts/bench-gemm.sh.
        """,
        positionals: [.init("kernel", "What to measure: gemm, solve or attention.")],
        options: [
            .value("threads", "N", "Worker threads.", default: "REPLACEME_THREADS or all cores"),
            .value("shapes", "LIST", "Shapes as M,K,N separated by ';'.", default: "the issue's eight shapes"),
            .value("min-time", "S", "Minimum seconds of timed runs per shape.", default: "1"),
            .value("n", "N", "solve: size of G (n×n); attention: sequence length.", default: "4096 / 2048"),
            .value("m", "M", "solve: right-hand sides.", default: "n"),
            .flag("f64", "gemm: measure the Float64 product (Gemm64.dgemm) instead."),
            .flag("cpu-time", "Time by process CPU time instead of wall time (steadier on a loaded machine; per thread)."),
            .flag("json", "Print machine-readable JSON."),
        ],
        run: { args, context in
            if args.positional(0) == "solve" { return try runSolve(args, context) }
            if args.positional(0) == "attention" { return try runAttention(args, context) }
            guard args.positional(0) == "gemm" else {
                throw UsageError("unknown benchmark '\(args.positional(0) ?? "")' (expected: gemm, solve or attention)", spec: args.spec)
            }
            let threads = try args.int("threads", in: 1...1024) ?? Parallel.defaultThreads
            let minTime = try args.double("min-time", in: 0...3600) ?? 1
            let shapes = try args.string("shapes").map { try parseShapes($0, spec: args.spec) } ?? defaultShapes
            var rows: [[String: Any]] = []
            if !args.flag("json") {
                context.print("kernel path: \(KernelPath.active.rawValue) (CPU: \(CPUFeatures.current)), threads: \(threads)")
                context.print("     M      K      N   GFLOP/s   best ms")
            }
            for s in shapes {
                let best = args.flag("f64")
                    ? measure64(m: s.m, k: s.k, n: s.n, threads: threads, minTime: minTime, cpuTime: args.flag("cpu-time"))
                    : measure(m: s.m, k: s.k, n: s.n, threads: threads, minTime: minTime, cpuTime: args.flag("cpu-time"))
                let gflops = 2 * Double(s.m) * Double(s.k) * Double(s.n) / best / 1e9
                rows.append(["m": s.m, "k": s.k, "n": s.n, "threads": threads, "seconds": best, "gflops": gflops])
                if !args.flag("json") {
                    context.print(String(format: "%6d %6d %6d %9.1f %9.3f", s.m, s.k, s.n, gflops, best * 1e3))
                }
            }
            if args.flag("json") {
                try context.printJSON(["path": KernelPath.active.rawValue, "cpu": CPUFeatures.current.description,
                                       "threads": threads, "results": rows])
            }
            return 0
        })

    static func parseShapes(_ text: String, spec: CommandSpec) throws -> [(m: Int, k: Int, n: Int)] {
        try text.split(separator: ";").map { item in
            let v = item.split(separator: ",").compactMap { Int(String($0).trimmingCharacters(in: .whitespaces)) }
            guard v.count == 3, v.allSatisfy({ $0 >= 1 }) else {
                throw UsageError("option '--shapes': '\(item)' is not M,K,N with positive integers", spec: spec)
            }
            return (v[0], v[1], v[2])
        }
    }

    /// `measure` for the Float64 product.
    static func measure64(m: Int, k: Int, n: Int, threads: Int, minTime: Double, cpuTime: Bool) -> Double {
        let a = uniformFloats(m * k, seed: 1).map(Double.init)                    // A: [M, K]
        let b = uniformFloats(n * k, seed: 2).map(Double.init)                    // B: [N, K]
        var c = [Double](repeating: 0, count: m * n)                                 // C: [M, N]
        return timeBest(minTime: minTime, cpuTime: cpuTime, threads: threads) {
            Gemm64.dgemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: k, c: &c, ldc: n, threads: threads)
        }
    }

    /// Best time of `run` after one warm-up, over repeats lasting at least `minTime` seconds (≥ 3 runs).
    static func timeBest(minTime: Double, cpuTime: Bool, threads: Int, _ run: () -> Void) -> Double {
        run()
        var best = Double.infinity, total = 0.0, count = 0
        while total < minTime || count < 3 {
            let t0 = now(cpuTime)
            run()
            let dt = cpuTime ? (now(true) - t0) / Double(threads) : now(false) - t0
            best = min(best, dt); total += dt; count += 1
        }
        return best
    }

    /// Seconds on the monotonic clock, or of CPU time used by the whole process.
    static func now(_ cpu: Bool) -> Double {
        var ts = timespec()
        clock_gettime(cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// `count` values uniform in [-1, 1) from a xorshift generator (fast: the inputs can be 10⁸ values).
    static func uniformFloats(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Float(state >> 40) * 0x1p-23 - 1
        }
    }

    /// Best wall time of `C = A·Bᵀ` over repeated runs lasting at least `minTime` seconds (at least 3 runs).
    static func measure(m: Int, k: Int, n: Int, threads: Int, minTime: Double, cpuTime: Bool) -> Double {
        let a = uniformFloats(m * k, seed: 1)                                      // A: [M, K]
        let b = uniformFloats(n * k, seed: 2)                                      // B: [N, K]
        var c = [Float](repeating: 0, count: m * n)                                  // C: [M, N]
        return timeBest(minTime: minTime, cpuTime: cpuTime, threads: threads) {
            Gemm.sgemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: k, c: &c, ldc: n, threads: threads)
        }
    }
}
