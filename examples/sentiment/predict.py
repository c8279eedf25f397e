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
    results = predict(texts, model, vocab, tokenizer, config)
    for text, (label, prob) in zip(texts, results):
        print(f"{label}\t{prob:.4f}\t{text}")
    return results


if __name__ == "__main__":
    main()
