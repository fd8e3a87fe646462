"""Scores candidates with a serving bundle's model.onnx from Python (no r4ec code at all).

    pip install onnxruntime numpy
    python examples/onnx_host.py BUNDLE_DIR USER_ID ITEM_ID [ITEM_ID ...]

The same steps as examples/onnx_host.mjs: serving.json maps raw ids to the dense indices the model
reads and holds each user's latest history; knowledge vectors are zeros ("no knowledge") here.
"""
import json
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort

bundle, user, *items = sys.argv[1:]
m = json.loads((Path(bundle) / "serving.json").read_text())
T, A, N = m["historyLength"], m["attrFields"], len(items)
u = m["users"]["raw"].index(user)
cand = np.array([m["items"]["raw"].index(i) for i in items], dtype=np.int64)
attrs = np.array(m["items"]["attrs"], dtype=np.int64).reshape(-1, A)
hist = np.array(m["users"]["historyItem"], dtype=np.int64).reshape(-1, T)[u]
rating = np.array(m["users"]["historyRating"], dtype=np.int64).reshape(-1, T)[u]

session = ort.InferenceSession(str(Path(bundle) / "model.onnx"), providers=["CPUExecutionProvider"])
feeds = {
    "item": cand,
    "attrs": attrs[cand],
    "hist_item": np.tile(hist, (N, 1)),
    "hist_attrs": np.tile(attrs[hist], (N, 1, 1)),
    "hist_rating": np.tile(rating, (N, 1)),
}
names = {i.name for i in session.get_inputs()}
for name in ("user_knowledge", "item_knowledge"):
    if name in names:
        feeds[name] = np.zeros((N, m["encoder"]["dim"]), dtype=np.float32)
(probability, _logit) = session.run(["probability", "logit"], feeds)
print(json.dumps({"user": user, "scores": [
    {"item": i, "score": float(p)} for i, p in zip(items, probability)]}))
