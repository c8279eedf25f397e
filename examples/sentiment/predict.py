"""Classify sentences with a checkpoint written by train.py.

    python examples/sentiment/predict.py "a gorgeous, witty film" "a dull mess"
    echo "one review per line" | python examples/sentiment/predict.py --ckpt runs/sentiment/best.ckpt

Prints one line per text: label, probability of that label, and the text (tab-separated).
"""
import argparse
import os
import sys

import minigrad as mg
from minigrad.data import TextCollate, Vocab

from model import build_model, make_tokenizer


def load_classifier(path):
    """(model in eval mode, vocab, tokenizer, config) from a train.py checkpoint."""
    ckpt = mg.load(path)
    config, vocab = ckpt["config"], Vocab.from_dict(ckpt["vocab"])
    model = build_model(config, len(vocab), vocab.pad_index)
    model.load_state_dict(ckpt["model"])
    model.eval()
    return model, vocab, make_tokenizer(config["tokenizer"]), config


def check_inputs(texts, vocab, tokenizer, max_share=0.5):
    """Refuse texts without a single token; warn (stderr) about each text whose share of tokens
    missing from the vocabulary is above max_share: the model sees mostly <unk> there (another
    language, emoji, a different tokenizer) and its confident-looking answer means little."""
    for i, text in enumerate(texts, 1):
        tokens = tokenizer(text)
        if not tokens:
            sys.exit(f"error: text {i} ({text!r}) is empty: there is nothing to classify")
        unknown = sum(tok not in vocab for tok in tokens)
        if unknown / len(tokens) > max_share:
            print(f"warning: text {i}: {unknown} of {len(tokens)} tokens ({unknown / len(tokens):.0%}) "
                  f"are not in the model's vocabulary; the prediction is unreliable", file=sys.stderr)


def predict(texts, model, vocab, tokenizer, config, batch_size=256):
    """[(label, probability)] for each text."""
    out = []
    collate = TextCollate(pad_value=vocab.pad_index)
    for start in range(0, len(texts), batch_size):
        batch = [vocab.lookup_indices(tokenizer(t)[:config["max_len"]]) or [vocab.unk_index]
                 for t in texts[start:start + batch_size]]
        tokens, lengths = collate(batch)
        with mg.no_grad():
            probs = model(tokens, lengths).softmax(-1).tolist()
        for p in probs:
            k = max(range(len(p)), key=p.__getitem__)
            out.append((config["labels"][k], p[k]))
    return out


def main(argv=None):
    """Print label and probability for each text given as arguments or on stdin."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("texts", nargs="*", help="texts to classify (default: read lines from stdin)")
    p.add_argument("--ckpt", default=os.path.join("runs", "sentiment", "best.ckpt"))
    args = p.parse_args(argv)
    texts = args.texts or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    if not os.path.exists(args.ckpt):
        sys.exit(f"error: no checkpoint at {args.ckpt} (train one with train.py, or pass --ckpt)")
    model, vocab, tokenizer, config = load_classifier(args.ckpt)
    check_inputs(texts, vocab, tokenizer)
    results = predict(texts, model, vocab, tokenizer, config)
    for text, (label, prob) in zip(texts, results):
        print(f"{label}\t{prob:.4f}\t{text}")
    return results


if __name__ == "__main__":
    main()
