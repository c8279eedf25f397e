"""Classify short words by their language with a hand-written character RNN (tutorial style).

Hand-written SGD through ``p.data``, legacy ``torch.LongTensor`` targets, ``F.tanh``, ``topk``.
--save-init PATH writes the initial weights (NumPy .npz), --init PATH starts from them.
"""
import argparse
import string

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=40)
parser.add_argument("--init", default="")
parser.add_argument("--save-init", default="")
args = parser.parse_args()

torch.manual_seed(0)
words = {"it": ["rossi", "russo", "ferrari", "bianchi", "romano"],
         "ja": ["sato", "suzuki", "tanaka", "ito", "saito"],
         "en": ["smith", "jones", "taylor", "brown", "wilson"]}
categories = list(words)
letters = string.ascii_lowercase


def line_to_tensor(line):
    tensor = torch.zeros(len(line), 1, len(letters))
    for i, ch in enumerate(line):
        tensor[i][0][letters.index(ch)] = 1
    return tensor


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size, hidden_size)
        self.h2h = nn.Linear(hidden_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, input, hidden):
        hidden = F.tanh(self.i2h(input) + self.h2h(hidden))
        return self.softmax(self.h2o(hidden)), hidden

    def init_hidden(self):
        return torch.zeros(1, self.hidden_size)


rnn = RNN(len(letters), 16, len(categories))
if args.init:
    rnn.load_state_dict({k: torch.tensor(v) for k, v in np.load(args.init).items()})
if args.save_init:
    np.savez(args.save_init, **{k: v.detach().numpy() for k, v in rnn.state_dict().items()})
criterion = nn.NLLLoss()
pairs = [(c, w) for c in categories for w in words[c]]
for step in range(args.steps):
    category, word = pairs[(step * 7) % len(pairs)]
    target = torch.LongTensor([categories.index(category)])
    line = line_to_tensor(word)
    hidden = rnn.init_hidden()
    rnn.zero_grad()
    for i in range(line.size()[0]):
        output, hidden = rnn(line[i], hidden)
    loss = criterion(output, target)
    loss.backward()
    for p in rnn.parameters():
        p.data.add_(p.grad.data, alpha=-0.05)
    print(f"loss {step} {loss.item():.8f}")

with torch.no_grad():
    hidden = rnn.init_hidden()
    line = line_to_tensor("sato")
    for i in range(line.size(0)):
        output, hidden = rnn(line[i], hidden)
    top_v, top_i = output.topk(1)
    print("guess", categories[top_i[0].item()])
