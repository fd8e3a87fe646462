// Scores candidates with a serving bundle's model.onnx in plain Node (no r4ec code at all):
//   npm install onnxruntime-node
//   node examples/onnx_host.mjs BUNDLE_DIR USER_ID ITEM_ID [ITEM_ID ...]
// prints {"user": ..., "scores": [{"item": ..., "score": ...}, ...]}. Ids are the dataset's raw
// ids; serving.json maps them to the dense indices the model reads, and holds each user's latest
// history. Knowledge vectors (models trained with knowledge) come from the host's own store and
// encoder; this example sends zeros, which the model reads as "no knowledge".
import { readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import * as ort from "onnxruntime-node";

const [dir, user, ...items] = process.argv.slice(2);
if (!dir || !user || items.length === 0) {
  console.error("usage: node onnx_host.mjs BUNDLE_DIR USER_ID ITEM_ID [ITEM_ID ...]");
  process.exit(2);
}
const m = JSON.parse(readFileSync(join(dir, "serving.json"), "utf8"));
const T = m.historyLength, A = m.attrFields, N = items.length;
const dense = (raw, list, what) => {
  const i = list.indexOf(raw);
  if (i < 1) throw new Error(`unknown ${what} ${raw}`);
  return i;
};
const u = dense(user, m.users.raw, "user");
const cand = items.map((raw) => dense(raw, m.items.raw, "item"));
const histItem = m.users.historyItem.slice(u * T, u * T + T);
const histRating = m.users.historyRating.slice(u * T, u * T + T);
const attrsOf = (i) => m.items.attrs.slice(i * A, i * A + A);
const int64 = (values, dims) => new ort.Tensor("int64", BigInt64Array.from(values, BigInt), dims);

const session = await ort.InferenceSession.create(join(dir, "model.onnx"));
const feeds = {
  item: int64(cand, [N]),
  attrs: int64(cand.flatMap(attrsOf), [N, A]),
  hist_item: int64(cand.flatMap(() => histItem), [N, T]),
  hist_attrs: int64(cand.flatMap(() => histItem.flatMap(attrsOf)), [N, T, A]),
  hist_rating: int64(cand.flatMap(() => histRating), [N, T]),
};
for (const name of ["user_knowledge", "item_knowledge"]) {
  if (!session.inputNames.includes(name)) continue;
  const dim = m.encoder.dim; // the encoder's width, as the bundle records it
  feeds[name] = new ort.Tensor("float32", new Float32Array(N * dim), [N, dim]);
}
const { probability } = await session.run(feeds);
const scores = items.map((item, i) => ({ item, score: probability.data[i] }));
console.log(JSON.stringify({ user, scores }));
