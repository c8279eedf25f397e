"""Translate sentences with a trained checkpoint and optionally plot the attention weights.

    python examples/translation/translate.py "ein mann fährt fahrrad ."
    python examples/translation/translate.py --beam-size 5 --attention-plot attention.png \
        "zwei hunde spielen im schnee ."
"""
import argparse
import sys
import warnings

from data import EOS, SOS, detokenize, tokenize
from evaluate import translate_tokens
from train import load_checkpoint


def plot_attention(attention, src_tokens, tgt_tokens, path):
    """Save a heatmap of attention (target steps x source tokens) to `path`; False without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    if any(ord(ch) >= 0x1100 for tok in src_tokens + tgt_tokens for ch in tok):  # Hangul, CJK ...
        from matplotlib import font_manager
        fonts = [f.name for f in font_manager.fontManager.ttflist
                 if any(k in f.name for k in ("CJK", "Nanum", "Malgun", "AppleGothic", "Unifont"))]
        if fonts:
            plt.rcParams["font.family"] = fonts[0]
        else:
            print("note: no CJK font found for matplotlib; non-Latin labels may show as boxes")
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
    fig, ax = plt.subplots(figsize=(1 + 0.45 * len(src_tokens), 1 + 0.45 * len(tgt_tokens)))
    ax.imshow(attention, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(len(src_tokens)), src_tokens, rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(len(tgt_tokens)), tgt_tokens)
    ax.set_xlabel("source")
    ax.set_ylabel("translation")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def plot_attention_grid(maps, src_tokens, tgt_tokens, path):
    """Save one heatmap per decoder layer (rows) and head (columns) of a Transformer's attention over
    the source, maps (layers, heads, T, S); False without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    layers, heads = maps.shape[:2]
    fig, axes = plt.subplots(layers, heads, squeeze=False, figsize=(
        0.8 + heads * (0.5 + 0.22 * len(src_tokens)), 0.6 + layers * (0.6 + 0.22 * len(tgt_tokens))))
    for i in range(layers):
        for j in range(heads):
            ax = axes[i][j]
            ax.imshow(maps[i, j], cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
            ax.set_xticks(range(len(src_tokens)), src_tokens if i == layers - 1 else [], rotation=90,
                          fontsize=7)
            ax.set_yticks(range(len(tgt_tokens)), tgt_tokens if j == 0 else [], fontsize=7)
            ax.set_title(f"layer {i + 1}, head {j + 1}", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def transformer_maps(model, src_vocab, tgt_vocab, config, source, tokens):
    """(layers, heads, T, S) cross-attention of a Transformer checkpoint reading its own translation."""
    import minigrad as mg
    from data import encode
    from transformer_model import attention_maps
    src_ids = encode(source, src_vocab, config.get("reverse_source", False))
    tgt_ids = [tgt_vocab[SOS]] + tgt_vocab.lookup_indices(tokens)
    src = mg.tensor([[i] for i in src_ids])
    maps = attention_maps(model, src, mg.tensor([len(src_ids)]), mg.tensor([[i] for i in tgt_ids]))
    return maps[:, 0]


def check_sources(sentences, sources, src_vocab, max_share=0.5):
    """Refuse a sentence without a single token; warn (stderr) about each sentence whose share of
    tokens missing from the source vocabulary is above max_share: the encoder sees mostly <unk>
    there (another language, emoji) and the fluent-looking translation means little."""
    for i, (text, tokens) in enumerate(zip(sentences, sources), 1):
        if not tokens:
            sys.exit(f"error: sentence {i} ({text!r}) is empty: there is nothing to translate")
        unknown = sum(tok not in src_vocab for tok in tokens)
        if unknown / len(tokens) > max_share:
            print(f"warning: sentence {i}: {unknown} of {len(tokens)} tokens "
                  f"({unknown / len(tokens):.0%}) are not in the model's source vocabulary; the "
                  "translation is unreliable", file=sys.stderr)


def parse_args(argv=None):
    """Command-line options (see --help)."""
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sentences", nargs="+", help="source sentence(s), one argument each")
    p.add_argument("--checkpoint", default="runs/translation/best.ckpt")
    p.add_argument("--beam-size", type=int, default=1, help="1 = greedy decoding")
    p.add_argument("--alpha", type=float, default=0.6, help="beam-search length normalisation")
    p.add_argument("--max-len", type=int, default=50, help="longest translation, in tokens")
    p.add_argument("--attention-plot", default=None, metavar="PNG",
                   help="save the first sentence's attention heatmap (attention models only; "
                        "one per decoder layer and head for the Transformer)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    model, src_vocab, tgt_vocab, config = load_checkpoint(args.checkpoint)
    sources = [tokenize(s, config["dataset"], config["src"]) for s in args.sentences]
    check_sources(args.sentences, sources, src_vocab)
    results = translate_tokens(model, src_vocab, tgt_vocab, config, sources, args.beam_size,
                               args.max_len, args.alpha)
    for tokens, _ in results:
        print(detokenize(tokens, config["tgt"]))
    if args.attention_plot:
        tokens, attention = results[0]
        if attention is None:
            print("no attention plot: this model has no attention (train with --arch attention)")
            return results
        src = sources[0][::-1] if config.get("reverse_source") else sources[0]
        src = [SOS] + [t if t in src_vocab else f"{t} (unk)" for t in src] + [EOS]
        tgt = (tokens + [EOS])[:attention.shape[0]]
        if config.get("arch") == "transformer":  # every layer and head, not just their average
            maps = transformer_maps(model, src_vocab, tgt_vocab, config, sources[0], tokens)
            plotted = plot_attention_grid(maps, src, tokens + [EOS], args.attention_plot)
        else:
            plotted = plot_attention(attention, src, tgt, args.attention_plot)
        if plotted:
            print(f"attention heatmap saved to {args.attention_plot}")
        else:
            print("no attention plot: matplotlib is not installed (pip install matplotlib)")
    return results


if __name__ == "__main__":
    main()
