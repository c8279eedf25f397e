"""A GRU encoder and an attention decoder translating toy sequences (seq2seq tutorial style).

Teacher forcing, bmm attention, ``optim.Adam`` with a StepLR schedule, ``unsqueeze_`` on inputs,
``torch.utils.data`` batching. --save-init PATH / --init PATH as in the other programs.
"""
import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=6)
parser.add_argument("--init", default="")
parser.add_argument("--save-init", default="")
args = parser.parse_args()

SOS, EOS, VOCAB, HIDDEN, MAX_LEN = 0, 1, 9, 16, 5
pairs = [([2 + (i + k) % 7 for k in range(3)], [2 + (i + 2 - k) % 7 for k in range(3)]) for i in range(8)]


class EncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size):
        super(EncoderRNN, self).__init__()
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)

    def forward(self, input):
        return self.gru(self.embedding(input))


class BahdanauAttention(nn.Module):
    def __init__(self, hidden_size):
        super(BahdanauAttention, self).__init__()
        self.Wa = nn.Linear(hidden_size, hidden_size)
        self.Ua = nn.Linear(hidden_size, hidden_size)
        self.Va = nn.Linear(hidden_size, 1)

    def forward(self, query, keys):
        scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
        scores = scores.squeeze(2).unsqueeze(1)
        weights = F.softmax(scores, dim=-1)
        return torch.bmm(weights, keys), weights


class AttnDecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size):
        super(AttnDecoderRNN, self).__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.attention = BahdanauAttention(hidden_size)
        self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)

    def forward(self, encoder_outputs, encoder_hidden, target_tensor):
        batch_size = encoder_outputs.size(0)
        decoder_input = torch.empty(batch_size, 1, dtype=torch.long).fill_(SOS)
        decoder_hidden, outputs = encoder_hidden, []
        for i in range(target_tensor.size(1)):
            embedded = self.embedding(decoder_input)
            query = decoder_hidden.permute(1, 0, 2)
            context, _ = self.attention(query, encoder_outputs)
            output, decoder_hidden = self.gru(torch.cat((embedded, context), dim=2), decoder_hidden)
            outputs.append(self.out(output))
            decoder_input = target_tensor[:, i].clone()
            decoder_input.unsqueeze_(1)
        return F.log_softmax(torch.cat(outputs, dim=1), dim=-1)


torch.manual_seed(0)
encoder, decoder = EncoderRNN(VOCAB, HIDDEN), AttnDecoderRNN(HIDDEN, VOCAB)
if args.init:
    state = {k: torch.tensor(v) for k, v in np.load(args.init).items()}
    encoder.load_state_dict({k[4:]: v for k, v in state.items() if k.startswith("enc.")})
    decoder.load_state_dict({k[4:]: v for k, v in state.items() if k.startswith("dec.")})
if args.save_init:
    state = {f"enc.{k}": v for k, v in encoder.state_dict().items()}
    state.update({f"dec.{k}": v for k, v in decoder.state_dict().items()})
    np.savez(args.save_init, **{k: v.detach().numpy() for k, v in state.items()})

inputs = torch.LongTensor([src + [EOS] for src, _ in pairs])
targets = torch.LongTensor([tgt + [EOS] for _, tgt in pairs])
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(inputs, targets), batch_size=4)
params = list(encoder.parameters()) + list(decoder.parameters())
optimizer = optim.Adam(params, lr=0.01)
scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
criterion = nn.NLLLoss()
step = 0
for epoch in range(args.epochs):
    for input_tensor, target_tensor in loader:
        optimizer.zero_grad()
        encoder_outputs, encoder_hidden = encoder(input_tensor)
        decoder_outputs = decoder(encoder_outputs, encoder_hidden, target_tensor)
        loss = criterion(decoder_outputs.view(-1, decoder_outputs.size(-1)), target_tensor.view(-1))
        loss.backward()
        optimizer.step()
        print(f"loss {step} {loss.item():.8f}")
        step += 1
    scheduler.step()
