/**
 * Writes the plain-history texts of a MovieLens dataset as JSON lines (`{kind, id, text}`, raw
 * ids), for encoders outside r4ec: user = the first ≤ `--window` rated titles of the training
 * period with their stars, item = title and genres. With `bench/vectors_tfidf_svd.py` this
 * reproduces the first row of the knowledge table through `--knowledge-vectors`:
 *
 * ```sh
 * deno run -A bench/plain_history_texts.ts --data ../shared/data/ml-1m --out /tmp/texts.jsonl
 * /usr/bin/python3 bench/vectors_tfidf_svd.py /tmp/texts.jsonl /tmp/vectors
 * deno task eval --dataset ml-1m --data ../shared/data/ml-1m --knowledge-vectors /tmp/vectors \
 *   --conditions vectors --valid 0 --epochs 1 --lr 5e-4 --schedule constant --seeds 1
 * ```
 *
 * The default window (30) reaches into training targets, as the table's first row does; it is a
 * reproduction of that measurement, not the leak-free design (`--window 11` is).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { prepareDataset } from "../datasets/mod.ts";
import { historyText } from "../plugins/history_text.ts";
import { itemTasks } from "../plugins/tasks.ts";
import type { RatedTitle } from "../plugins/types.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    data: { type: "string", default: "../shared/data/ml-1m" },
    dataset: { type: "string", default: "ml-1m" },
    window: { type: "string", default: "30" },
    out: { type: "string", default: "texts.jsonl" },
  },
});
const { dataset: d } = await prepareDataset({
  dataset: flags.dataset as "ml-1m",
  dataDir: flags.data,
  validationFraction: 0,
});
const window = Number(flags.window);
const histories: RatedTitle[][] = d.users.raw.map(() => []);
const tp = d.trainPeriod;
for (let r = 0; r < tp.size; r++) {
  const h = histories[tp.user[r]];
  if (h.length < window) {
    h.push({ title: d.itemInfo[tp.item[r]].title, rating: tp.rating[r], item: tp.item[r] });
  }
}
const domain = {
  itemNoun: d.domain.itemNoun,
  ratingScale: [d.domain.ratingScale[0], d.domain.ratingScale[1]] as [number, number],
  likeThreshold: d.domain.likeThreshold,
};
const lines: string[] = [];
for (let u = 1; u < d.users.raw.length; u++) {
  const text = historyText({ kind: "user", key: "", domain, history: histories[u] });
  lines.push(JSON.stringify({ kind: "user", id: d.users.raw[u], text }));
}
for (const task of itemTasks(d)) {
  const id = task.key.slice(task.key.lastIndexOf(":") + 1);
  lines.push(JSON.stringify({ kind: "item", id, text: historyText(task) }));
}
await Deno.writeTextFile(flags.out, lines.join("\n") + "\n");
console.error(`${lines.length} texts of ${d.name} -> ${flags.out}`);
