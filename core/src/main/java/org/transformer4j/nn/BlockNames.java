package org.transformer4j.nn;

/**
 * What a family's checkpoints call the parts of a {@link Block}, so that one set of classes yields each family's
 * own parameter names ({@link Module#namedParameters} builds names from child names). A null name means the part
 * is absent: {@code qkv} non-null fuses the query, key and value projections into one matrix (GPT-2's c_attn,
 * stored [C, 3C], one GEMM); {@code wi} is the plain feed-forward input, {@code wi0}/{@code wi1} the gated pair.
 *
 * @param normsFirst register each sublayer's norm before the sublayer (GPT-2's and Llama's order): parameter
 *                   order is the order initialisation draws its random numbers in, so it is part of a family's
 *                   definition
 */
public record BlockNames(String selfAttn, String selfAttnNorm, String crossAttn, String crossAttnNorm,
                         String ffn, String ffnNorm, String q, String k, String v, String qkv, String o,
                         String wi, String wi0, String wi1, String wo, boolean normsFirst) {
    /** Our names for the encoder-decoder families and BERT; their *Files loaders map them to Hugging Face's. */
    public static final BlockNames SEQ2SEQ = new BlockNames("self_attn", "self_attn_norm", "cross_attn",
            "cross_attn_norm", "ffn", "ffn_norm", "q", "k", "v", null, "o", "wi", "wi_0", "wi_1", "wo", false);

    /** GPT2LMHeadModel's: h.N.{ln_1, attn.c_attn, attn.c_proj, ln_2, mlp.c_fc, mlp.c_proj}. */
    public static final BlockNames GPT2 = new BlockNames("attn", "ln_1", null, null, "mlp", "ln_2",
            null, null, null, "c_attn", "c_proj", "c_fc", null, null, "c_proj", true);

    /**
     * LlamaForCausalLM's: layers.N.{input_layernorm, self_attn.{q,k,v,o}_proj, post_attention_layernorm,
     * mlp.{gate,up,down}_proj}.
     */
    public static final BlockNames LLAMA = new BlockNames("self_attn", "input_layernorm", null, null, "mlp",
            "post_attention_layernorm", "q_proj", "k_proj", "v_proj", null, "o_proj", null, "gate_proj", "up_proj",
            "down_proj", true);
}
