"""nanoGPT's shakespeare-char CPU run (its README's "macbook" command) in PyTorch, with nanoGPT's exact order of
random draws: the modules are constructed in nanoGPT's order (so the constructors' own initialisation consumes the
generator as nanoGPT's does), then its _init_weights pass and c_proj re-initialisation, then its train.py loop
(first batch drawn before the iteration-0 evaluation, the next one right after each forward). Written for t4j's
rng=torch, which replays the same draws in Java: for the same seed both start from the same weights and see the
same batches, so their loss curves can be compared step by step. Not part of the Java build.

    python3 bench/pytorch/nanogpt_order.py --threads 1                 # the full 2000-iteration run
    python3 bench/pytorch/nanogpt_order.py --max_iters 19 --losses F   # the fixture of NanoGptReplayTest
"""
import argparse, math, os, time, json
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
for k, v in dict(batch_size=12, block_size=64, n_layer=4, n_head=4, n_embd=128, max_iters=2000, eval_interval=250,
                 eval_iters=20, warmup_iters=100, lr_decay_iters=2000, seed=1337, threads=1).items():
    p.add_argument("--" + k, type=int, default=v)
for k, v in dict(learning_rate=1e-3, min_lr=1e-4, beta1=0.9, beta2=0.99, weight_decay=0.1, grad_clip=1.0).items():
    p.add_argument("--" + k, type=float, default=v)
p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../data/tinyshakespeare.txt"))
p.add_argument("--losses", default="")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)

text = open(a.data, encoding="utf-8").read()
chars = sorted(set(text)); vocab = len(chars)
stoi = {c: i for i, c in enumerate(chars)}
ids = np.array([stoi[c] for c in text], dtype=np.int64)
n = int(0.9 * len(ids)); train, val = ids[:n], ids[n:]

def get_batch(split):
    d = train if split == "train" else val
    ix = torch.randint(len(d) - a.block_size, (a.batch_size,))
    x = torch.stack([torch.from_numpy(d[i:i + a.block_size]) for i in ix])
    y = torch.stack([torch.from_numpy(d[i + 1:i + 1 + a.block_size]) for i in ix])
    return x, y

class LN(nn.Module):
    def __init__(s, C):
        super().__init__(); s.weight = nn.Parameter(torch.ones(C))
    def forward(s, x):
        return F.layer_norm(x, s.weight.shape, s.weight, None, 1e-5)

class Attn(nn.Module):
    def __init__(s):
        super().__init__(); C = a.n_embd
        s.c_attn = nn.Linear(C, 3 * C, bias=False); s.c_proj = nn.Linear(C, C, bias=False)
        s.attn_dropout = nn.Dropout(0.0); s.resid_dropout = nn.Dropout(0.0)
    def forward(s, x):
        B, T, C = x.shape
        q, k, v = s.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, a.n_head, C // a.n_head).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return s.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))

class MLP(nn.Module):
    def __init__(s):
        super().__init__(); C = a.n_embd
        s.c_fc = nn.Linear(C, 4 * C, bias=False); s.gelu = nn.GELU(); s.c_proj = nn.Linear(4 * C, C, bias=False)
        s.dropout = nn.Dropout(0.0)
    def forward(s, x):
        return s.c_proj(s.gelu(s.c_fc(x)))

class Block(nn.Module):
    def __init__(s):
        super().__init__(); s.ln_1 = LN(a.n_embd); s.attn = Attn(); s.ln_2 = LN(a.n_embd); s.mlp = MLP()
    def forward(s, x):
        x = x + s.attn(s.ln_1(x)); return x + s.mlp(s.ln_2(x))

class GPT(nn.Module):
    def __init__(s):
        super().__init__()
        s.transformer = nn.ModuleDict(dict(wte=nn.Embedding(vocab, a.n_embd), wpe=nn.Embedding(a.block_size, a.n_embd),
            drop=nn.Dropout(0.0), h=nn.ModuleList([Block() for _ in range(a.n_layer)]), ln_f=LN(a.n_embd)))
        s.lm_head = nn.Linear(a.n_embd, vocab, bias=False)
        s.transformer.wte.weight = s.lm_head.weight
        s.apply(s._init)
        for pn, q in s.named_parameters():
            if pn.endswith("c_proj.weight"):
                torch.nn.init.normal_(q, mean=0.0, std=0.02 / math.sqrt(2 * a.n_layer))
    def _init(s, m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            torch.nn.init.normal_(m.weight, mean=0.0, std=0.02)
    def forward(s, idx, targets):
        t = s.transformer
        x = t.wte(idx) + t.wpe(torch.arange(idx.shape[1]))
        for b in t.h: x = b(x)
        logits = s.lm_head(t.ln_f(x))
        return F.cross_entropy(logits.view(-1, vocab), targets.view(-1))

model = GPT()
params = [q for q in model.parameters()]
decay = [q for q in params if q.dim() >= 2]; nodecay = [q for q in params if q.dim() < 2]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay}, {"params": nodecay, "weight_decay": 0.0}],
                        lr=a.learning_rate, betas=(a.beta1, a.beta2))

def get_lr(it):
    if it < a.warmup_iters: return a.learning_rate * (it + 1) / (a.warmup_iters + 1)
    if it > a.lr_decay_iters: return a.min_lr
    r = (it - a.warmup_iters) / (a.lr_decay_iters - a.warmup_iters)
    return a.min_lr + 0.5 * (1.0 + math.cos(math.pi * r)) * (a.learning_rate - a.min_lr)

@torch.no_grad()
def estimate_loss():
    model.eval(); out = {}
    for split in ("train", "val"):
        out[split] = float(torch.tensor([model(*get_batch(split)).item() for _ in range(a.eval_iters)]).mean())
    model.train(); return out

losses = []
evals = {}
X, Y = get_batch("train")
t0 = time.time(); it = 0
while True:
    lr = get_lr(it)
    for g in opt.param_groups: g["lr"] = lr
    if it % a.eval_interval == 0:
        l = estimate_loss(); evals[it] = [l["train"], l["val"]]; print(f"step {it}: train loss {l['train']:.4f}, val loss {l['val']:.4f}", flush=True)
    loss = model(X, Y)
    X, Y = get_batch("train")
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), a.grad_clip)
    opt.step(); opt.zero_grad(set_to_none=True)
    losses.append(loss.item())
    it += 1
    if it > a.max_iters: break
print(f"wall {time.time() - t0:.1f} s")
if a.losses:
    json.dump(dict(seed=a.seed, threads=a.threads, torch=torch.__version__, losses=losses, evals=evals),
              open(a.losses, "w"), indent=1)
