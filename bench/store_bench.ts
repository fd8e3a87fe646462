/**
 * `deno bench -A bench/store_bench.ts`: the store's vector cache on 10,000 vectors of 256 floats
 * (ML-1M's users and items are about 9,700 texts). `putVectors` writes all of them in one call
 * (replacing the previous iteration's); `getVectors` reads all of them back. The `getVectors`
 * baseline is the former read, kept here verbatim: one JS row object and one number array per
 * vector (`getRowObjectsJS`), on a second read-only instance of the same file. Recorded results:
 * bench/results/store.md.
 *
 * @module
 */
import { DuckDBInstance, LIST, listValue, VARCHAR } from "@duckdb/node-api";
import { openStore } from "../adapters/store/mod.ts";

const COUNT = 10_000;
const DIM = 256;

/** Deterministic vectors (xorshift32, uniform in [-0.5, 0.5)). */
function vectors(count: number, dim: number): { textHash: string; vector: Float32Array }[] {
  let state = 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32 - 0.5;
  };
  return Array.from({ length: count }, (_, i) => ({
    textHash: i.toString(16).padStart(64, "0"),
    vector: Float32Array.from({ length: dim }, random),
  }));
}

const entries = vectors(COUNT, DIM);
const hashes = entries.map((e) => e.textHash);
const dir = await Deno.makeTempDir();
const path = `${dir}/bench.duckdb`;
{
  await using store = await openStore(path);
  await store.putVectors("bench", entries);
}
const reader = await openStore(path, { readOnly: true });
const baselineInstance = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
const baseline = await baselineInstance.connect();

/** The former `getVectors`: row objects, then `Float32Array.from` of each number array. */
async function readAsRowObjects(encoderId: string, textHashes: string[]) {
  const rows = (await baseline.runAndReadAll(
    "SELECT text_hash, vector FROM vectors WHERE encoder_id = $1 AND text_hash IN (SELECT unnest($2))",
    [encoderId, listValue(textHashes)],
    [VARCHAR, LIST(VARCHAR)],
  )).getRowObjectsJS();
  const out = new Map<string, Float32Array>();
  for (const row of rows) {
    out.set(row.text_hash as string, Float32Array.from(row.vector as number[]));
  }
  return out;
}

Deno.bench("getVectors 10K x 256: row objects (former read)", {
  group: "getVectors",
  baseline: true,
  n: 30,
}, async () => {
  const got = await readAsRowObjects("bench", hashes);
  if (got.size !== COUNT) throw new Error(`read ${got.size} vectors`);
});

Deno.bench(
  "getVectors 10K x 256: data chunks to Float32Array",
  { group: "getVectors" },
  async () => {
    const got = await reader.getVectors("bench", hashes);
    if (got.size !== COUNT) throw new Error(`read ${got.size} vectors`);
  },
);

const writer = await openStore(`${dir}/write.duckdb`);
Deno.bench(
  "putVectors 10K x 256 (one call, replacing)",
  { group: "putVectors", n: 10 },
  async () => {
    await writer.putVectors("bench", entries);
  },
);

// Closing the DuckDB instances at unload crashed the bench process (segfault in DuckDB's
// teardown); the process exit releases them, and the temporary files go with the directory.
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
