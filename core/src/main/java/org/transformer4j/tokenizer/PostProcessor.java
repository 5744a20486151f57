package org.transformer4j.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The template that puts special tokens around encoded text when special tokens are asked for: tokenizer.json's
 * "post_processor" (TemplateProcessing, BertProcessing, RobertaProcessing; ByteLevel adds nothing).
 */
final class PostProcessor {
    /** One element of a template: a special token's ids, or sequence A (0) or B (1); with its type id. */
    private record Item(int[] specialIds, int sequence, int typeId) {}

    private final List<Item> single;
    private final List<Item> pair;
    /** The ids the template uses as [CLS]-like (first) and [SEP]-like (last) tokens, -1 if none: for special-token guesses. */
    final int first;
    final int last;
    final boolean roberta;

    private PostProcessor(List<Item> single, List<Item> pair, boolean roberta) {
        this.single = single;
        this.pair = pair;
        this.roberta = roberta;
        this.first = !single.isEmpty() && single.get(0).specialIds != null ? single.get(0).specialIds[0] : -1;
        Item end = single.isEmpty() ? null : single.get(single.size() - 1);
        this.last = end != null && end.specialIds != null ? end.specialIds[end.specialIds.length - 1] : -1;
    }

    static final PostProcessor NONE = new PostProcessor(
            List.of(new Item(null, 0, 0)), List.of(new Item(null, 0, 0), new Item(null, 1, 1)), false);

    /** BERT's {@code [CLS] A [SEP]} and {@code [CLS] A [SEP] B [SEP]}, B and its [SEP] with type id 1. */
    static PostProcessor bert(int cls, int sep) {
        return new PostProcessor(
                List.of(sp(cls, 0), new Item(null, 0, 0), sp(sep, 0)),
                List.of(sp(cls, 0), new Item(null, 0, 0), sp(sep, 0), new Item(null, 1, 1), sp(sep, 1)), false);
    }

    /** RoBERTa/BART's {@code <s> A </s>} and {@code <s> A </s></s> B </s>}, all type id 0. */
    static PostProcessor roberta(int cls, int sep) {
        return new PostProcessor(
                List.of(sp(cls, 0), new Item(null, 0, 0), sp(sep, 0)),
                List.of(sp(cls, 0), new Item(null, 0, 0), sp(sep, 0), sp(sep, 0), new Item(null, 1, 0), sp(sep, 0)), true);
    }

    private static Item sp(int id, int type) {
        return new Item(new int[] {id}, -1, type);
    }

    static PostProcessor parse(Spec spec) {
        String type = spec.string("type");
        return switch (type) {
            case "ByteLevel" -> NONE;
            case "BertProcessing" -> bert(tokenId(spec, "cls"), tokenId(spec, "sep"));
            case "RobertaProcessing" -> roberta(tokenId(spec, "cls"), tokenId(spec, "sep"));
            case "TemplateProcessing" -> {
                Spec specials = spec.object("special_tokens");
                yield new PostProcessor(template(spec, "single", specials), template(spec, "pair", specials), false);
            }
            case "Sequence" -> {
                // ByteLevel (offsets only) plus at most one template, as Llama 3's files have it.
                PostProcessor chosen = NONE;
                for (int i = 0; i < spec.list("processors").size(); i++) {
                    PostProcessor p = parse(spec.element("processors", i));
                    if (p != NONE) {
                        if (chosen != NONE) throw spec.error("processors", "more than one template in a Sequence is not supported");
                        chosen = p;
                    }
                }
                yield chosen;
            }
            default -> throw spec.error("type", "the post-processor \"" + type + "\" is not supported (supported: "
                    + "TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence)");
        };
    }

    private static int tokenId(Spec spec, String key) {
        List<Object> l = spec.list(key);
        if (l.size() != 2 || !(l.get(1) instanceof Long id)) throw spec.error(key, "expected [\"token\", id]");
        return (int) (long) id;
    }

    private static List<Item> template(Spec spec, String key, Spec specials) {
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < spec.list(key).size(); i++) {
            Spec e = spec.element(key, i);
            if (e.has("SpecialToken")) {
                Spec t = e.object("SpecialToken");
                String name = t.string("id");
                Spec def = specials.has(name) ? specials.object(name) : null;
                if (def == null) throw t.error("id", "special token \"" + name + "\" is not defined in special_tokens");
                List<Object> ids = def.list("ids");
                int[] a = new int[ids.size()];
                for (int j = 0; j < a.length; j++) {
                    if (!(ids.get(j) instanceof Long v)) throw def.error("ids", "expected integer ids");
                    a[j] = (int) (long) v;
                }
                items.add(new Item(a, -1, t.integer("type_id", 0)));
            } else if (e.has("Sequence")) {
                Spec s = e.object("Sequence");
                String id = s.string("id");
                int seq = switch (id) {
                    case "A" -> 0;
                    case "B" -> 1;
                    default -> throw s.error("id", "expected \"A\" or \"B\", found \"" + id + "\"");
                };
                items.add(new Item(null, seq, s.integer("type_id", 0)));
            } else {
                throw e.error(null, "expected {\"SpecialToken\": ...} or {\"Sequence\": ...}");
            }
        }
        return items;
    }

    /** Lays out a (b may be null) by the single or pair template. */
    Encoded apply(int[] a, int[] b) {
        IntBuffer ids = new IntBuffer(a.length + (b == null ? 0 : b.length) + 4);
        IntBuffer types = new IntBuffer(ids.size() + 8);
        for (Item it : b == null ? single : pair) {
            int[] part = it.specialIds != null ? it.specialIds : it.sequence == 0 ? a : b;
            for (int id : part) {
                ids.add(id);
                types.add(it.typeId);
            }
        }
        return new Encoded(ids.toArray(), types.toArray());
    }
}
