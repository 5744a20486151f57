#!/usr/bin/env bash
# Side-by-side figures for docs/PERFORMANCE.md. Run from a checkout on a quiet machine.
set -u
cd "$(dirname "$0")/.."
# Models: bench/make_bench_models.py writes /tmp/gpt2-124m, /tmp/gpt2-124m-bf16, /tmp/llama-110m, /tmp/llama-110m-bf16.
export T4J_JAVA_OPTS="${T4J_JAVA_OPTS:-}"
echo "== $(date -u) $(uptime)"
echo "bandwidth t4j 1 thread: $(./t4j bench bandwidth --threads 1 --format json 2>/dev/null)"
echo "bandwidth t4j 2 threads: $(./t4j bench bandwidth --threads 2 --format json 2>/dev/null)"
if command -v gcc >/dev/null; then
  gcc -O3 -mavx2 -mfma -fopenmp bench/bandwidth/readbw.c -o /tmp/readbw 2>/dev/null && echo "bandwidth C: $(/tmp/readbw 1024 2 10)"
fi
# The float32 FMA peak: the ceiling of every GEMM, training step and prefill below.
echo "peak t4j: $(./t4j bench peak --threads 1 --format json 2>/dev/null) $(./t4j bench peak --threads 2 --format json 2>/dev/null)"
if command -v gcc >/dev/null; then
  gcc -O2 -mavx2 -mfma -fopenmp bench/peak/fmapeak.c -o /tmp/fmapeak 2>/dev/null && echo "peak C: $(/tmp/fmapeak 1) / $(/tmp/fmapeak 2)"
fi
# nn = A·B, nt = A·Bᵀ, tn = Aᵀ·B; numpy hands the transposes to OpenBLAS's sgemm as flags (no copy).
for s in "768 128 384" "768 512 128" "4096 384 1152" "4096 1536 384" "1024 1024 1024"; do
  set -- $s
  for layout in nn nt tn; do
    echo "gemm $s $layout t4j: $(./t4j bench gemm --m $1 --k $2 --n $3 --layout $layout --threads 2 --format json 2>/dev/null)"
    echo "gemm $s $layout openblas: $(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 python3 -c "
import numpy as np, time
m,k,n,layout=$1,$2,$3,'$layout'
r=np.random.rand
if layout=='nn': a=r(m,k).astype(np.float32); b=r(k,n).astype(np.float32); f=lambda: a@b
elif layout=='nt': a=r(m,k).astype(np.float32); b=r(n,k).astype(np.float32); f=lambda: a@b.T
else: a=r(k,m).astype(np.float32); b=r(k,n).astype(np.float32); f=lambda: a.T@b
for _ in range(3): f()
ts=[]
for _ in range(20):
    t=time.perf_counter(); f(); ts.append(time.perf_counter()-t)
print(round(2*m*k*n/np.median(ts)/1e9,1), 'GFLOP/s')")"
  done
done
echo "== $(uptime)"
echo "train t4j: $(./t4j bench train --preset shakespeare-char-cpu --iters 40 --warmup 20 --threads 2 --format json 2>/dev/null)"
echo "train pytorch: $(python3 bench/pytorch/train_gpt.py --bench 50 --threads 2 2>/dev/null)"
echo "train 124M t4j: $(./t4j bench train --preset gpt2-124m-shakespeare --iters 4 --warmup 8 --threads 2 --format json 2>/dev/null)"
echo "train 124M pytorch: $(python3 bench/pytorch/train_gpt.py --data_dir data/shakespeare --n_layer 12 --n_head 12 --n_embd 768 --block_size 64 --batch_size 4 --bench 5 --threads 2 2>/dev/null)"
echo "== $(uptime)"
for m in gpt2-124m gpt2-124m-bf16 llama-110m llama-110m-bf16; do
  [ -d /tmp/$m ] && echo "generate $m: $(./t4j bench generate --model /tmp/$m --max-new-tokens 64 --format json 2>/dev/null)"
done
for m in gpt2-124m llama-110m; do
  [ -d /tmp/$m ] && echo "generate $m int8: $(./t4j bench generate --model /tmp/$m --max-new-tokens 64 --weights int8 --format json 2>/dev/null)"
done
echo "prefill gpt2-124m 512: $(./t4j bench prefill --model /tmp/gpt2-124m --tokens 512 --repeats 3 --format json 2>/dev/null)"
echo "prefill gpt2-124m 512 pytorch: $(python3 bench/pytorch/prefill.py --model /tmp/gpt2-124m --tokens 512 --threads 2 --repeats 3 2>/dev/null)"
echo "== $(date -u) $(uptime)"
