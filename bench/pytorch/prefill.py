"""Prefill (prompt processing) time of a GPT-2 / Llama checkpoint in PyTorch, the reference for `t4j bench prefill`.

One forward pass over N random tokens (batch 1, no KV cache reuse between runs, torch.no_grad), float32, with
torch.set_num_threads(THREADS). Prints one JSON object with the median milliseconds of the timed runs for two
variants, because transformers' default forward computes the LM head for every position while `t4j bench prefill`
(what generation needs) computes it for the last position only:
  ms_last_logits  logits_to_keep=1: the LM head for the last position only (like for like with t4j)
  ms_all_logits   the plain model(ids) call: logits for all N positions (+2 * N * vocab * dim FLOPs)
and the process CPU time of each (cpu_ms_*; note that OpenMP threads spin while waiting, which counts as CPU).

  python3 bench/pytorch/prefill.py --model /tmp/gpt2-124m --tokens 512 --threads 2 --repeats 5
"""
import argparse
import json
import statistics
import time

import torch
from transformers import AutoModelForCausalLM


def timed(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    ts, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        ts.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(ts), ts, statistics.median(cpu)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="/tmp/gpt2-124m")
    ap.add_argument("--tokens", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = AutoModelForCausalLM.from_pretrained(args.model, torch_dtype=torch.float32).eval()
    ids = torch.randint(0, model.config.vocab_size, (1, args.tokens))
    with torch.no_grad():
        last, last_all, last_cpu = timed(lambda: model(ids, use_cache=False, logits_to_keep=1), args.warmup,
                                         args.repeats)
        full, full_all, full_cpu = timed(lambda: model(ids, use_cache=False), args.warmup, args.repeats)
    print(json.dumps({"bench": "prefill", "impl": "pytorch", "torch": torch.__version__, "model": args.model,
                      "threads": args.threads, "tokens": args.tokens, "ms_last_logits": round(last, 1),
                      "ms_all_logits": round(full, 1), "cpu_ms_last_logits": round(last_cpu, 1),
                      "cpu_ms_all_logits": round(full_cpu, 1), "runs_last": [round(t, 1) for t in last_all],
                      "runs_all": [round(t, 1) for t in full_all]}))


if __name__ == "__main__":
    main()
