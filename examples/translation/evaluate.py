"""Evaluate a translation checkpoint on a split: loss, perplexity and corpus BLEU (sacreBLEU).

BLEU is computed on the target-side tokens joined by spaces with sacreBLEU's tokenize='none':
for Multi30k those are the official lower-cased, Moses-tokenised references (the usual
"tokenised BLEU" of Multi30k papers); for Tatoeba, minigrad's word tokens (characters for Korean).

    python examples/translation/evaluate.py --checkpoint runs/translation/best.ckpt --beam-size 5
"""
import argparse
import json
import time

from data import (EOS, PAD, SOS, PairDataset, batches_in_order, detokenize, encode, load_pairs,
                  make_loader)
from model import decode, perplexity
from train import evaluate_loss, load_checkpoint, make_criterion


def translate_tokens(model, src_vocab, tgt_vocab, config, sentences, beam_size=1, max_len=50,
                     alpha=0.6, batch_size=64):
    """Translate source token lists; returns [(target tokens, attention (len+1, S_i) or None)],
    S_i being sentence i's own source length with <sos> and <eos> (the batch's padding cut off)."""
    ids = [encode(s, src_vocab, config.get("reverse_source", False)) for s in sentences]
    out = [None] * len(ids)
    model.eval()
    for pos, src, lengths in batches_in_order(ids, batch_size, src_vocab[PAD]):
        results = decode(model, src, lengths, tgt_vocab[SOS], tgt_vocab[EOS], beam_size, max_len, alpha)
        for i, (seq, attn) in zip(pos, results):
            out[i] = (tgt_vocab.lookup_tokens(seq), None if attn is None else attn[:, :len(ids[i])])
    return out


def corpus_bleu(hypotheses, references):
    """sacreBLEU corpus BLEU of token lists (tokenize='none'); (score, signature) or None if missing."""
    try:
        import sacrebleu
    except ImportError:
        return None
    bleu = sacrebleu.metrics.BLEU(tokenize="none", force=True)  # the text is tokenised on purpose
    score = bleu.corpus_score([" ".join(h) for h in hypotheses], [[" ".join(r) for r in references]])
    return score.score, str(bleu.get_signature())


def parse_args(argv=None):
    """Command-line options (see --help)."""
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", default="runs/translation/best.ckpt")
    p.add_argument("--data-dir", default=None,
                   help="dataset root; if unset: $MINIGRAD_DATA or the download cache")
    p.add_argument("--split", default="test", choices=["train", "dev", "test"])
    p.add_argument("--beam-size", type=int, default=1, help="1 = greedy decoding")
    p.add_argument("--alpha", type=float, default=0.6, help="beam-search length normalisation")
    p.add_argument("--max-len", type=int, default=50, help="longest translation, in tokens")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--limit", type=int, default=None, help="evaluate only the first N pairs")
    p.add_argument("--show", type=int, default=3, help="print this many example translations")
    p.add_argument("--output", default=None, help="write the translations here, one per line")
    p.add_argument("--json", default=None, help="write the results here as JSON")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    model, src_vocab, tgt_vocab, config = load_checkpoint(args.checkpoint)
    pairs = load_pairs(config["dataset"], args.split, config["src"], config["tgt"], args.data_dir,
                       args.limit)
    dataset = PairDataset(pairs, src_vocab, tgt_vocab, config.get("reverse_source", False))
    loader = make_loader(dataset, args.batch_size, tgt_vocab[PAD], shuffle=False)
    criterion = make_criterion(tgt_vocab)
    t0 = time.time()
    loss = evaluate_loss(model, loader, criterion, 0.0)
    loss_tf = evaluate_loss(model, loader, criterion, 1.0)
    results = translate_tokens(model, src_vocab, tgt_vocab, config, [s for s, _ in pairs],
                               args.beam_size, args.max_len, args.alpha, args.batch_size)
    hyps, refs = [h for h, _ in results], [t for _, t in pairs]
    report = {"checkpoint": args.checkpoint, "split": args.split, "pairs": len(pairs),
              "loss": round(loss, 4), "ppl": round(perplexity(loss), 3),
              "loss_teacher_forced": round(loss_tf, 4),
              "ppl_teacher_forced": round(perplexity(loss_tf), 3),
              "beam_size": args.beam_size, "alpha": args.alpha, "max_len": args.max_len}
    print(f"{config['dataset']} {config['src']}->{config['tgt']} {args.split} ({len(pairs)} pairs)")
    print(f"loss {loss:.3f} | ppl {perplexity(loss):.2f} (decoder fed its own predictions, as in the "
          f"PyTorch tutorial) | teacher-forced loss {loss_tf:.3f} ppl {perplexity(loss_tf):.2f}")
    bleu = corpus_bleu(hyps, refs)
    if bleu is None:
        print("BLEU: sacrebleu is not installed (pip install sacrebleu, or pip install -e '.[examples]'); "
              "loss and perplexity only")
    else:
        report["bleu"], report["bleu_signature"] = round(bleu[0], 2), bleu[1]
        decoding = "greedy" if args.beam_size <= 1 else f"beam {args.beam_size}, alpha {args.alpha}"
        print(f"BLEU {bleu[0]:.2f} ({decoding}; sacreBLEU {bleu[1]})")
    report["seconds"] = round(time.time() - t0, 1)
    lang = config["tgt"]
    for (src, ref), hyp in list(zip(pairs, hyps))[:args.show]:
        print(f"  src: {detokenize(src, config['src'])}\n  ref: {detokenize(ref, lang)}\n"
              f"  hyp: {detokenize(hyp, lang)}")
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.writelines(detokenize(h, lang) + "\n" for h in hyps)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1, ensure_ascii=False)
    return report


if __name__ == "__main__":
    main()
