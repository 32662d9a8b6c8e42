#!/usr/bin/env python3
"""Runs our GEMM benchmark and numpy's (OpenBLAS) on the same shapes and thread counts; prints a table.

numpy runs in a child process whose environment has OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed (with
them set, OpenBLAS picks a weaker kernel on this machine) and OPENBLAS_NUM_THREADS set to the thread count;
threadpoolctl reports which OpenBLAS kernel ("architecture") it uses. Each side: one warm-up, then repeated
runs for at least --min-time seconds, best run kept; the best over --rounds rounds is reported. The two
sides alternate shape by shape (ours, numpy, ours, numpy, ...) so that load changes on a shared machine hit
both alike; the load average before and after is printed.
"""
import argparse
import json
import os
import subprocess
import sys

SHAPES = "2048,576,1536;2048,1536,576;2048,576,49152;2048,2048,5632;2048,4096,4096;2048,4096,14336;1,4096,4096;7,4096,4096"

NUMPY_CHILD = r"""
import json, sys, time
import numpy as np
import threadpoolctl
shapes, min_time = json.loads(sys.argv[1]), float(sys.argv[2])
info = [i for i in threadpoolctl.threadpool_info() if i.get("internal_api") == "openblas"]
rng = np.random.default_rng(0)
out = []
for m, k, n in shapes:
    a = rng.uniform(-1, 1, (m, k)).astype(np.float32)   # A: [M, K]
    b = rng.uniform(-1, 1, (n, k)).astype(np.float32)   # B: [N, K] (PyTorch weight layout)
    c = np.empty((m, n), np.float32)
    np.matmul(a, b.T, out=c)
    best, total, count = float("inf"), 0.0, 0
    while total < min_time or count < 3:
        t0 = time.perf_counter(); np.matmul(a, b.T, out=c); dt = time.perf_counter() - t0
        best = min(best, dt); total += dt; count += 1
    out.append({"m": m, "k": k, "n": n, "seconds": best, "gflops": 2 * m * n * k / best / 1e9})
    del a, b, c
print(json.dumps({"openblas": info, "results": out}))
"""


def run_numpy(shapes, threads, min_time):
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    env["OMP_NUM_THREADS"] = str(threads)
    res = subprocess.run([sys.executable, "-c", NUMPY_CHILD, json.dumps(shapes), str(min_time)],
                         env=env, check=True, capture_output=True, text=True)
    return json.loads(res.stdout)


def run_ours(binary, shapes, threads, min_time):
    spec = ";".join(f"{m},{k},{n}" for m, k, n in shapes)
    res = subprocess.run([binary, "bench", "gemm", "--threads", str(threads), "--shapes", spec,
                          "--min-time", str(min_time), "--json"], check=True, capture_output=True, text=True)
    return json.loads(res.stdout)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--binary", required=True)
    p.add_argument("--threads", default="1 2")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--min-time", type=float, default=1.0)
    p.add_argument("--shapes", default=SHAPES)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    shapes = [tuple(int(v) for v in s.split(",")) for s in args.shapes.split(";")]
    with open("/proc/loadavg") as f:
        load_before = f.read().split()[:3]
    rows, path, blas = [], None, None
    for threads in [int(t) for t in args.threads.split()]:
        for shape in shapes:
            # Ours and numpy alternate shape by shape, so a change in machine load hits both sides alike.
            best_ours = best_np = 0.0
            for _ in range(args.rounds):
                ours = run_ours(args.binary, [shape], threads, args.min_time)
                path = f'{ours["path"]} (CPU: {ours["cpu"]})'
                best_ours = max(best_ours, ours["results"][0]["gflops"])
                npres = run_numpy([shape], threads, args.min_time)
                blas = ", ".join(f'{i.get("version")} {i.get("architecture")}' for i in npres["openblas"])
                best_np = max(best_np, npres["results"][0]["gflops"])
            rows.append({"m": shape[0], "k": shape[1], "n": shape[2], "threads": threads,
                         "ours": best_ours, "numpy": best_np, "ratio": best_ours / best_np})
            print(f"  measured {shape} threads={threads}: ours {best_ours:.1f}, numpy {best_np:.1f} GFLOP/s",
                  file=sys.stderr)
    with open("/proc/loadavg") as f:
        load_after = f.read().split()[:3]
    if args.json:
        print(json.dumps({"path": path, "openblas": blas, "load_before": load_before, "load_after": load_after,
                          "rows": rows}, indent=1))
        return
    print(f"our kernel path: {path}")
    print(f"numpy OpenBLAS: {blas}")
    print(f"load average before: {' '.join(load_before)}  after: {' '.join(load_after)}")
    print(f"{'M':>6} {'K':>6} {'N':>6} {'thr':>3} {'ours GF/s':>10} {'numpy GF/s':>11} {'ratio':>6}")
    for r in rows:
        print(f'{r["m"]:>6} {r["k"]:>6} {r["n"]:>6} {r["threads"]:>3} {r["ours"]:>10.1f} {r["numpy"]:>11.1f} {r["ratio"]:>6.2f}')
    by = {(r["m"], r["k"], r["n"], r["threads"]): r["ours"] for r in rows}
    for m, k, n in shapes:
        if (m, k, n, 1) in by and (m, k, n, 2) in by:
            print(f"scaling 2 threads / 1 thread at {m}x{k}x{n}: {by[(m, k, n, 2)] / by[(m, k, n, 1)]:.2f}x")


if __name__ == "__main__":
    main()
