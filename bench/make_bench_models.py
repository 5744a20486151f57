"""Randomly initialised GPT-2 124M and Llama 110M-shape models for `t4j bench generate/prefill`
(bench/side-by-side.sh). Needs `pip install torch transformers`; nothing is downloaded."""
import torch
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

torch.manual_seed(0)
gpt2 = GPT2LMHeadModel(GPT2Config())
gpt2.save_pretrained("/tmp/gpt2-124m")
gpt2.to(torch.bfloat16).save_pretrained("/tmp/gpt2-124m-bf16")
llama = LlamaForCausalLM(LlamaConfig(hidden_size=768, intermediate_size=2048, num_hidden_layers=12,
                                     num_attention_heads=12, num_key_value_heads=12, vocab_size=32000,
                                     max_position_embeddings=1024))
llama.save_pretrained("/tmp/llama-110m")
llama.to(torch.bfloat16).save_pretrained("/tmp/llama-110m-bf16")
