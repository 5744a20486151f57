/*
 * Float32 FMA peak of this machine, in C: each thread runs twelve independent AVX2 FMA chains
 * (acc = acc * m + b), enough to cover an FMA's latency times the FMA units per core, so the loop is limited by
 * FMA throughput alone. The chains start from different values: with equal starting values gcc merged all
 * twelve into one (a latency-bound loop that reported twice the true figure).
 *
 *   gcc -O2 -mavx2 -mfma -fopenmp bench/peak/fmapeak.c -o /tmp/fmapeak && /tmp/fmapeak 1 && /tmp/fmapeak 2
 *
 * The same measurement in Java: ./t4j bench peak --threads T (kernels/PeakBench).
 */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    long steps = 100000000L; /* per thread and pass */
    double best = 0;
    float sink = 0;
    for (int pass = 0; pass < 5; pass++) {
        double t0 = now();
#pragma omp parallel num_threads(threads) reduction(+ : sink)
        {
            __m256 m = _mm256_set1_ps(0.9999999f), b = _mm256_set1_ps(1e-7f);
            __m256 a0 = _mm256_set1_ps(1.00f), a1 = _mm256_set1_ps(1.01f), a2 = _mm256_set1_ps(1.02f);
            __m256 a3 = _mm256_set1_ps(1.03f), a4 = _mm256_set1_ps(1.04f), a5 = _mm256_set1_ps(1.05f);
            __m256 a6 = _mm256_set1_ps(1.06f), a7 = _mm256_set1_ps(1.07f), a8 = _mm256_set1_ps(1.08f);
            __m256 a9 = _mm256_set1_ps(1.09f), a10 = _mm256_set1_ps(1.10f), a11 = _mm256_set1_ps(1.11f);
            for (long i = 0; i < steps; i++) {
                a0 = _mm256_fmadd_ps(a0, m, b); a1 = _mm256_fmadd_ps(a1, m, b); a2 = _mm256_fmadd_ps(a2, m, b);
                a3 = _mm256_fmadd_ps(a3, m, b); a4 = _mm256_fmadd_ps(a4, m, b); a5 = _mm256_fmadd_ps(a5, m, b);
                a6 = _mm256_fmadd_ps(a6, m, b); a7 = _mm256_fmadd_ps(a7, m, b); a8 = _mm256_fmadd_ps(a8, m, b);
                a9 = _mm256_fmadd_ps(a9, m, b); a10 = _mm256_fmadd_ps(a10, m, b); a11 = _mm256_fmadd_ps(a11, m, b);
            }
            __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                                     _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
            s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
            float o[8];
            _mm256_storeu_ps(o, s);
            sink += o[0];
        }
        double gflops = (double) threads * steps * 12 * 8 * 2 / (now() - t0) / 1e9;
        if (gflops > best) best = gflops;
    }
    printf("threads %d: float32 FMA peak %.1f GFLOP/s (best of 5; checksum %g)\n", threads, best, sink);
    return 0;
}
