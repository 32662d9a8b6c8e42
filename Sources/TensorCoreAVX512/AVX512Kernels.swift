// AVX-512 kernels (compiled with -target-cpu skylake-avx512). Filled by the tensor-core work.
public enum AVX512Kernels {}
