"""Writes a tiny word-level tokenizer (made here: nothing is downloaded) into a Hugging Face
cache as the model `local/tiny`, so AIPerf can load it with HF_HOME=HF and HF_HUB_OFFLINE=1.

    python3 mktok.py HF
"""
import argparse, json, os
from tokenizers import Tokenizer, models, pre_tokenizers

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("hf_home")
args = ap.parse_args()
rev = "0123456789abcdef0123456789abcdef01234567"
repo = os.path.join(args.hf_home, "hub", "models--local--tiny")
out = os.path.join(repo, "snapshots", rev)
os.makedirs(os.path.join(repo, "refs"), exist_ok=True)
with open(os.path.join(repo, "refs", "main"), "w") as f:
    f.write(rev)
vocab = {"[UNK]": 0, "[SEP]": 1}
for i, w in enumerate("the a of to and in is it that for on with as was at by ok hello world token".split()):
    vocab[w] = i + 2
for i in range(200):
    vocab[f"w{i}"] = len(vocab)
tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
tok.pre_tokenizer = pre_tokenizers.Whitespace()
os.makedirs(out, exist_ok=True)
tok.save(os.path.join(out, "tokenizer.json"))
json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "unk_token": "[UNK]", "sep_token": "[SEP]",
           "model_max_length": 1000000}, open(os.path.join(out, "tokenizer_config.json"), "w"))
json.dump({"model_type": "gpt2"}, open(os.path.join(out, "config.json"), "w"))
print(out)
