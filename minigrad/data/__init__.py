"""minigrad.data: datasets, samplers, the DataLoader, text helpers and public dataset loaders."""
from .dataset_types import Dataset, TensorDataset, Subset, ConcatDataset, random_split
from .sampler import (Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler,
                      WeightedRandomSampler, BatchSampler, BucketBatchSampler)
from .distributed import DistributedSampler, DistributedBucketBatchSampler
from .dataloader import DataLoader, default_collate, default_convert
from .worker import WorkerInfo, get_worker_info
from .text import (Tokenizer, tokenize, Vocab, build_vocab, DEFAULT_SPECIALS, pad_batch, collate_text,
                   TextCollate)
from .download import DatasetNotFoundError, ChecksumError, data_root
from . import datasets

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "Sampler",
           "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler", "BucketBatchSampler", "DataLoader", "default_collate", "default_convert",
           "Tokenizer", "tokenize", "Vocab", "build_vocab", "DEFAULT_SPECIALS", "pad_batch",
           "collate_text", "TextCollate", "DatasetNotFoundError", "ChecksumError", "data_root",
           "datasets", "WorkerInfo", "get_worker_info", "DistributedSampler",
           "DistributedBucketBatchSampler"]
