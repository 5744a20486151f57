"""PyTorch reference for t4j's GPT training: the same model, optimizer, schedule and data as
`t4j train --preset shakespeare-char-cpu` (nanoGPT's model and train.py loop), written independently for
comparison of loss curves and step times. Not part of the Java build.

    python3 bench/pytorch/train_gpt.py --max_iters 2000          # full CPU run, prints evals and timing
    python3 bench/pytorch/train_gpt.py --bench 50                # median ms/iter after warm-up
Options mirror the preset; --n_layer 12 --n_head 12 --n_embd 768 --block_size 64 --batch_size 4
--vocab 50257 gives the GPT-2 124M shape (with random token data). The same shape on Tiny Shakespeare in GPT-2
tokens, as `t4j bench train --preset gpt2-124m-shakespeare` (which writes data/shakespeare on first use):

    python3 bench/pytorch/train_gpt.py --data_dir data/shakespeare --n_layer 12 --n_head 12 --n_embd 768 \
        --block_size 64 --batch_size 4 --bench 5
"""
import argparse, math, os, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
for k, v in dict(batch_size=12, block_size=64, n_layer=4, n_head=4, n_embd=128, max_iters=2000, eval_interval=250,
                 eval_iters=20, warmup_iters=100, lr_decay_iters=2000, vocab=0, seed=1337, threads=2, bench=0).items():
    p.add_argument("--" + k, type=int, default=v)
for k, v in dict(learning_rate=1e-3, min_lr=1e-4, beta1=0.9, beta2=0.99, weight_decay=0.1, grad_clip=1.0,
                 dropout=0.0).items():
    p.add_argument("--" + k, type=float, default=v)
p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../data/tinyshakespeare.txt"))
p.add_argument("--data_dir", default="", help="a t4j/nanoGPT data directory (train.bin, val.bin, meta.json)")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)

if a.data_dir:
    import json
    meta = json.load(open(os.path.join(a.data_dir, "meta.json")))
    vocab = meta["vocab_size"]
    dt = {"uint16": np.uint16, "int32": np.int32, "uint32": np.uint32}[meta["dtype"]]
    train = np.fromfile(os.path.join(a.data_dir, "train.bin"), dtype=dt).astype(np.int64)
    val = np.fromfile(os.path.join(a.data_dir, "val.bin"), dtype=dt).astype(np.int64)
elif a.vocab:
    vocab = a.vocab
    train = np.random.default_rng(0).integers(0, vocab, 1_000_000).astype(np.int64)
    val = train[:100_000]
else:
    text = open(a.data, encoding="utf-8").read()
    chars = sorted(set(text))
    vocab = len(chars)
    stoi = {c: i for i, c in enumerate(chars)}
    ids = np.array([stoi[c] for c in text], dtype=np.int64)
    n = int(0.9 * len(ids))
    train, val = ids[:n], ids[n:]
train_t, val_t = torch.from_numpy(train), torch.from_numpy(val)


def batch(split):
    d = train_t if split == "train" else val_t
    ix = torch.randint(len(d) - a.block_size, (a.batch_size,))
    x = torch.stack([d[i:i + a.block_size] for i in ix])
    y = torch.stack([d[i + 1:i + 1 + a.block_size] for i in ix])
    return x, y


class Block(nn.Module):
    def __init__(s):
        super().__init__()
        C = a.n_embd
        s.ln_1 = nn.LayerNorm(C, bias=False)
        s.c_attn = nn.Linear(C, 3 * C, bias=False)
        s.attn_proj = nn.Linear(C, C, bias=False)
        s.ln_2 = nn.LayerNorm(C, bias=False)
        s.c_fc = nn.Linear(C, 4 * C, bias=False)
        s.mlp_proj = nn.Linear(4 * C, C, bias=False)

    def forward(s, x):
        B, T, C = x.shape
        q, k, v = s.c_attn(s.ln_1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, a.n_head, C // a.n_head).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_p=a.dropout if s.training else 0)
        x = x + s.attn_proj(y.transpose(1, 2).contiguous().view(B, T, C))
        return x + s.mlp_proj(F.gelu(s.c_fc(s.ln_2(x))))


class GPT(nn.Module):
    def __init__(s):
        super().__init__()
        s.wte = nn.Embedding(vocab, a.n_embd)
        s.wpe = nn.Embedding(a.block_size, a.n_embd)
        s.h = nn.ModuleList(Block() for _ in range(a.n_layer))
        s.ln_f = nn.LayerNorm(a.n_embd, bias=False)
        for name, t in s.named_parameters():
            if t.dim() >= 2:
                std = 0.02 / math.sqrt(2 * a.n_layer) if name.endswith("proj.weight") else 0.02
                nn.init.normal_(t, 0.0, std)

    def forward(s, idx, targets):
        x = s.wte(idx) + s.wpe(torch.arange(idx.shape[1]))
        for b in s.h:
            x = b(x)
        logits = s.ln_f(x) @ s.wte.weight.t()
        return F.cross_entropy(logits.view(-1, vocab), targets.view(-1))


model = GPT()
decay = [t for t in model.parameters() if t.dim() >= 2]
no_decay = [t for t in model.parameters() if t.dim() < 2]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
                        lr=a.learning_rate, betas=(a.beta1, a.beta2))


def lr_at(it):
    if it < a.warmup_iters:
        return a.learning_rate * (it + 1) / (a.warmup_iters + 1)
    if it > a.lr_decay_iters:
        return a.min_lr
    r = (it - a.warmup_iters) / (a.lr_decay_iters - a.warmup_iters)
    return a.min_lr + 0.5 * (1.0 + math.cos(math.pi * r)) * (a.learning_rate - a.min_lr)


def step(it):
    for g in opt.param_groups:
        g["lr"] = lr_at(it)
    x, y = batch("train")
    loss = model(x, y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), a.grad_clip)
    opt.step()
    opt.zero_grad(set_to_none=True)
    return loss.item()


@torch.no_grad()
def evaluate():
    model.eval()
    out = [float(np.mean([model(*batch(s)).item() for _ in range(a.eval_iters)])) for s in ("train", "val")]
    model.train()
    return out


if a.bench:
    for it in range(min(10, max(2, a.bench))):
        step(it)
    ms = []
    cpu0 = time.process_time()
    for it in range(a.bench):
        t0 = time.perf_counter()
        step(it)
        ms.append((time.perf_counter() - t0) * 1000)
    cpu = (time.process_time() - cpu0) * 1000 / a.bench
    print(f"median {np.median(ms):.2f} ms/iter over {a.bench} iterations, {a.threads} threads; "
          f"{cpu:.1f} ms CPU/iter (mean, process)")
else:
    t_start = time.time()
    ms = []
    for it in range(a.max_iters + 1):
        if it % a.eval_interval == 0:
            tr, va = evaluate()
            print(f"step {it}: train loss {tr:.4f}, val loss {va:.4f}", flush=True)
        t0 = time.perf_counter()
        step(it)
        ms.append((time.perf_counter() - t0) * 1000)
    print(f"wall {time.time() - t_start:.1f} s, median {np.median(ms):.2f} ms/iter")
