#!/usr/bin/env python3
"""The PyTorch side of the training-throughput comparison (bench/RESULTS.md, "Training throughput").

The same tiny CLIP as MetaClip.Training's "tiny" preset (ViT: 32 px, patch 8, width 64, 2 layers, 4 heads;
causal text transformer: width 64, 2 layers, 4 heads, context 32; embedding 64; QuickGELU; pooled at the end-of-text
token), the same symmetric contrastive loss, AdamW (beta2 0.95, decay 0.1 on matrices only), gradient clipping at 1,
on fixed random batches. Written for Debian's python3-torch (PyTorch 1.13, CPU):

    /usr/bin/python3 bench/pytorch/tiny_clip_throughput.py STEPS BATCH THREADS
"""
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

IMAGE, PATCH, WIDTH, LAYERS, HEADS = 32, 8, 64, 2, 4
CONTEXT, EMBED, VOCAB = 32, 64, 1000
START, END, RESERVED = 1, 2, 4


class QuickGelu(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Block(nn.Module):
    def __init__(self, width, heads, causal):
        super().__init__()
        self.heads, self.causal = heads, causal
        self.ln_1 = nn.LayerNorm(width)
        self.in_proj = nn.Linear(width, 3 * width)
        self.out_proj = nn.Linear(width, width)
        self.ln_2 = nn.LayerNorm(width)
        self.c_fc = nn.Linear(width, 4 * width)
        self.gelu = QuickGelu()
        self.c_proj = nn.Linear(4 * width, width)

    def forward(self, x):
        b, n, w = x.shape
        qkv = self.in_proj(self.ln_1(x)).view(b, n, 3, self.heads, w // self.heads).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], is_causal=self.causal) if hasattr(F, "scaled_dot_product_attention") else attention(qkv, self.causal)
        x = x + self.out_proj(a.transpose(1, 2).reshape(b, n, w))
        return x + self.c_proj(self.gelu(self.c_fc(self.ln_2(x))))


def attention(qkv, causal):
    # PyTorch 1.13 has no scaled_dot_product_attention: the same computation written out.
    q, k, v = qkv[0], qkv[1], qkv[2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if causal:
        n = q.shape[-2]
        scores = scores.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
    return scores.softmax(-1) @ v


class Clip(nn.Module):
    def __init__(self):
        super().__init__()
        grid = IMAGE // PATCH
        s = WIDTH ** -0.5
        self.conv1 = nn.Conv2d(3, WIDTH, PATCH, stride=PATCH, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(WIDTH) * s)
        self.v_pos = nn.Parameter(torch.randn(grid * grid + 1, WIDTH) * s)
        self.ln_pre = nn.LayerNorm(WIDTH)
        self.visual = nn.Sequential(*[Block(WIDTH, HEADS, False) for _ in range(LAYERS)])
        self.ln_post = nn.LayerNorm(WIDTH)
        self.proj = nn.Parameter(torch.randn(WIDTH, EMBED) * s)
        self.token_embedding = nn.Embedding(VOCAB, WIDTH)
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        self.t_pos = nn.Parameter(torch.randn(CONTEXT, WIDTH) * 0.01)
        self.text = nn.Sequential(*[Block(WIDTH, HEADS, True) for _ in range(LAYERS)])
        self.ln_final = nn.LayerNorm(WIDTH)
        self.text_projection = nn.Parameter(torch.randn(WIDTH, EMBED) * s)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def forward(self, images, tokens):
        p = self.conv1(images).flatten(2).transpose(1, 2)
        x = torch.cat([self.class_embedding.expand(p.shape[0], 1, -1), p], 1) + self.v_pos
        x = self.ln_post(self.visual(self.ln_pre(x))[:, 0, :]) @ self.proj
        t = self.ln_final(self.text(self.token_embedding(tokens) + self.t_pos))
        end = tokens.ne(0).sum(1) - 1
        t = t[torch.arange(tokens.shape[0]), end] @ self.text_projection
        return F.normalize(x, dim=-1), F.normalize(t, dim=-1), self.logit_scale.exp().clamp(max=100)


def main():
    steps, batch, threads = (int(a) for a in sys.argv[1:4])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Clip()
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and "ln_" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and "ln_" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}], lr=5e-4, betas=(0.9, 0.95), eps=1e-6)
    g = torch.Generator().manual_seed(0)
    images = torch.rand(batch, 3, IMAGE, IMAGE, generator=g) * 2 - 1
    tokens = torch.zeros(batch, CONTEXT, dtype=torch.long)
    tokens[:, 0] = START
    tokens[:, 1:13] = torch.randint(RESERVED, VOCAB, (batch, 12), generator=g)
    tokens[:, 13] = END
    labels = torch.arange(batch)

    def step():
        opt.zero_grad()
        i, t, s = model(images, tokens)
        logits = s * i @ t.t()
        loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    for _ in range(5):
        step()
    start = time.perf_counter()
    loss = 0.0
    for _ in range(steps):
        loss = step()
    seconds = time.perf_counter() - start
    print(f"pytorch {torch.__version__} tiny: {steps} steps x {batch} in {seconds:.3f} s = {steps * batch / seconds:.1f} images/s ({threads} threads, last loss {loss:.4f})")


if __name__ == "__main__":
    main()
