package org.transformer4j.tokenizer;

/**
 * Token ids with their token type ids (segment ids: 0 for the first text, 1 for the second of a BERT pair), as
 * a post-processor template lays them out, e.g. {@code [CLS] a [SEP] b [SEP]} with type ids {@code 0 0 0 1 1}.
 */
public record Encoded(int[] ids, int[] typeIds) {
    public Encoded {
        if (ids.length != typeIds.length) throw new IllegalArgumentException(ids.length + " ids but " + typeIds.length + " type ids");
    }

    /** Ids with every type id 0. */
    public static Encoded of(int[] ids) {
        return new Encoded(ids, new int[ids.length]);
    }

    public int length() {
        return ids.length;
    }
}
