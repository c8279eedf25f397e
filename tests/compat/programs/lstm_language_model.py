"""A word-level LSTM language model (in the style of pytorch/examples word_language_model).

batchify with narrow/view/t, truncated BPTT with detached hidden state, gradient clipping, SGD
through ``p.data``, ``torch.save(model)`` and a weights-only ``torch.load`` with safe globals.
--save-init PATH writes the initial weights (NumPy .npz), --init PATH starts from them.
"""
import argparse
import math
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=2)
parser.add_argument("--model", default="LSTM")
parser.add_argument("--init", default="")
parser.add_argument("--save-init", default="")
args = parser.parse_args()

torch.manual_seed(1111)
torch.backends.cudnn.deterministic = True
text = ("the cat sat on the mat . the dog sat on the log . a cat saw a dog . "
        "the dog ran to the cat . a mat and a log . ") * 6
vocab = sorted(set(text.split()))
ids = torch.LongTensor([vocab.index(w) for w in text.split()])


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    return data.view(bsz, -1).t().contiguous()


class RNNModel(nn.Module):
    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers):
        super(RNNModel, self).__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers)
        self.decoder = nn.Linear(nhid, ntoken)
        self.rnn_type, self.nhid, self.nlayers = rnn_type, nhid, nlayers
        nn.init.uniform_(self.encoder.weight.data, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)

    def forward(self, input, hidden):
        output, hidden = self.rnn(self.encoder(input), hidden)
        decoded = self.decoder(output).view(-1, self.decoder.out_features)
        return nn.functional.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == "LSTM":
            return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                    weight.new_zeros(self.nlayers, bsz, self.nhid))
        return weight.new_zeros(self.nlayers, bsz, self.nhid)


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


train_data = batchify(ids, 4)
model = RNNModel(args.model, len(vocab), 8, 12, 2)
if args.init:
    model.load_state_dict({k: torch.tensor(v) for k, v in np.load(args.init).items()})
if args.save_init:
    np.savez(args.save_init, **{k: v.detach().numpy() for k, v in model.state_dict().items()})
criterion = nn.NLLLoss()
lr, bptt = 2.0, 6
step = 0
for epoch in range(args.epochs):
    model.train()
    hidden = model.init_hidden(4)
    for i in range(0, train_data.size(0) - 1, bptt):
        seq_len = min(bptt, len(train_data) - 1 - i)
        data, targets = train_data[i:i + seq_len], train_data[i + 1:i + 1 + seq_len].reshape(-1)
        model.zero_grad()
        hidden = repackage_hidden(hidden)
        output, hidden = model(data, hidden)
        loss = criterion(output, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        print(f"loss {step} {loss.item():.8f}")
        step += 1

path = os.path.join(tempfile.mkdtemp(), "model.pt")
with open(path, "wb") as f:
    torch.save(model, f)
with open(path, "rb") as f:
    with torch.serialization.safe_globals([RNNModel, torch.nn.modules.sparse.Embedding,
                                           torch.nn.modules.rnn.LSTM, torch.nn.modules.rnn.GRU,
                                           torch.nn.modules.linear.Linear]):
        model = torch.load(f)
with torch.no_grad():
    output, _ = model(train_data[:6], model.init_hidden(4))
    print(f"reloaded ppl {math.exp(criterion(output, train_data[1:7].reshape(-1)).item()):.6f}")
