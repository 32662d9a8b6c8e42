// AVX2+FMA kernels (compiled with -target-cpu haswell). Filled by the tensor-core work.
public enum AVX2Kernels {}
