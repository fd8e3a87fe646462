"""TF-IDF + truncated SVD knowledge vectors, as a platform outside r4ec would compute them.

A cross-check tool for eval/vector_files (r4ec never runs Python): it writes the folder layout
readKnowledgeVectors reads, from a JSON-lines file of knowledge texts.

Usage:
    /usr/bin/python3 bench/vectors_tfidf_svd.py TEXTS.jsonl OUT_DIR

TEXTS.jsonl holds one {"kind": "user" | "item", "id": ..., "text": "..."} per line. All texts are
fitted together: TF-IDF (max_features 4096, sublinear tf) then TruncatedSVD (256 components, or
fewer when there are fewer texts or terms; random_state 0), rows L2-normalised. Writes OUT_DIR/users.npy,
users.ids.txt, items.npy and items.ids.txt (float32, one raw id per line, in input order).
"""
import json
import os
import sys

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize


def main(texts_path: str, out_dir: str) -> None:
    kinds, ids, texts = [], [], []
    with open(texts_path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            if record.get("kind") not in ("user", "item"):
                sys.exit(f"{texts_path}:{line_no}: kind must be 'user' or 'item'")
            kinds.append(record["kind"])
            ids.append(str(record["id"]))
            texts.append(record["text"])
    tfidf = TfidfVectorizer(max_features=4096, sublinear_tf=True).fit_transform(texts)
    # TruncatedSVD needs fewer components than terms, and yields at most one per text.
    components = min(256, tfidf.shape[0], tfidf.shape[1] - 1)
    vectors = TruncatedSVD(n_components=components, random_state=0).fit_transform(tfidf)
    vectors = normalize(vectors).astype(np.float32)
    os.makedirs(out_dir, exist_ok=True)
    for kind in ("user", "item"):
        rows = [i for i, k in enumerate(kinds) if k == kind]
        np.save(os.path.join(out_dir, f"{kind}s.npy"), np.ascontiguousarray(vectors[rows]))
        with open(os.path.join(out_dir, f"{kind}s.ids.txt"), "w", encoding="utf-8") as f:
            f.writelines(ids[i] + "\n" for i in rows)
        print(f"{kind}s: {len(rows)} x {vectors.shape[1]} -> {out_dir}/{kind}s.npy")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
