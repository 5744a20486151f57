/* Read bandwidth of this machine: sums a buffer much larger than the caches with AVX2 loads (8 independent
 * accumulators), 1..T threads (OpenMP), best of R passes. Build: gcc -O3 -mavx2 -mfma -fopenmp readbw.c -o readbw
 * Run: ./readbw [MB] [threads] [passes]. Prints GB/s (1e9 bytes/s). */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

int main(int argc, char **argv) {
    size_t mb = argc > 1 ? atol(argv[1]) : 1024;
    int threads = argc > 2 ? atoi(argv[2]) : 1;
    int passes = argc > 3 ? atoi(argv[3]) : 10;
    size_t n = mb * 1024 * 1024 / sizeof(float);
    float *a = aligned_alloc(64, n * sizeof(float));
    omp_set_num_threads(threads);
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) a[i] = (float) (i & 7);
    double best = 1e30, sink = 0;
    for (int r = 0; r < passes; r++) {
        double t0 = now(), total = 0;
#pragma omp parallel for schedule(static) reduction(+ : total)
        for (int t = 0; t < threads; t++) {
            size_t lo = n / threads * t, hi = t == threads - 1 ? n : n / threads * (t + 1);
            __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
            for (size_t i = lo; i + 64 <= hi; i += 64) {
                s0 = _mm256_add_ps(s0, _mm256_load_ps(a + i));
                s1 = _mm256_add_ps(s1, _mm256_load_ps(a + i + 8));
                s2 = _mm256_add_ps(s2, _mm256_load_ps(a + i + 16));
                s3 = _mm256_add_ps(s3, _mm256_load_ps(a + i + 24));
                s4 = _mm256_add_ps(s4, _mm256_load_ps(a + i + 32));
                s5 = _mm256_add_ps(s5, _mm256_load_ps(a + i + 40));
                s6 = _mm256_add_ps(s6, _mm256_load_ps(a + i + 48));
                s7 = _mm256_add_ps(s7, _mm256_load_ps(a + i + 56));
            }
            __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)),
                                     _mm256_add_ps(_mm256_add_ps(s4, s5), _mm256_add_ps(s6, s7)));
            float f[8]; _mm256_storeu_ps(f, s);
            total += f[0] + f[1] + f[2] + f[3] + f[4] + f[5] + f[6] + f[7];
        }
        double dt = now() - t0;
        sink += total;
        if (dt < best) best = dt;
    }
    printf("{\"bench\":\"bandwidth-c\",\"mb\":%zu,\"threads\":%d,\"gb_per_s\":%.2f,\"check\":%.0f}\n", mb, threads,
           n * sizeof(float) / best / 1e9, sink > 0 ? 1.0 : 0.0);
    free(a);
    return 0;
}
