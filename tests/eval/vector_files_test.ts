import assert from "node:assert/strict";
import { join } from "node:path";
import { openMemoryDb, sqlString } from "../../datasets/duckdb.ts";
import { prepareDataset } from "../../datasets/mod.ts";
import type { Vocabulary } from "../../datasets/types.ts";
import {
  readKnowledgeVectors,
  VECTOR_FORMATS,
  VectorFileError,
  type VectorSet,
  writeKnowledgeVectors,
} from "../../eval/vector_files/mod.ts";

/** A vocabulary shaped like the protocol's: `raw[0] = ""` padding, `index` covering it too. */
function vocabulary(raw: string[]): Vocabulary {
  const all = ["", ...raw];
  return { raw: all, index: new Map(all.map((r, i) => [r, i])) };
}

const vocab = { users: vocabulary(["1", "2", "3"]), items: vocabulary(["10", "20", "a b"]) };
const ITEMS_JSONL = '{"id":"10","vector":[1,0]}\n{"id":"a b","vector":[0,1]}\n';

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<VectorFileError> {
  const e = await p.then(() => undefined, (e) => e);
  assert.ok(e instanceof VectorFileError, `expected a VectorFileError, got ${e}`);
  assert.match(e.message, pattern);
  assert.ok(!e.message.includes("\n"), "message is one line");
  return e;
}

/** A folder with `users.jsonl` as given and two valid item vectors. */
async function usersJsonl(text: string): Promise<string> {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dir, "users.jsonl"), text);
  await Deno.writeTextFile(join(dir, "items.jsonl"), ITEMS_JSONL);
  return dir;
}

/** A hand-built `.npy`: header dict in npy format `major`, then `data` as is. */
function npyBytes(dict: string, data: Uint8Array, major = 1): Uint8Array {
  const start = major === 1 ? 10 : 12;
  let header = dict;
  header = header.padEnd(Math.ceil((start + header.length + 1) / 64) * 64 - start - 1) + "\n";
  const text = new TextEncoder().encode(header);
  const out = new Uint8Array(start + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(text, start);
  out.set(data, start + text.length);
  return out;
}

function npyDict(descr: string, shape: string, fortran = "False"): string {
  return `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
}

const bytesOf = (a: Float32Array | Float64Array) => new Uint8Array(a.buffer);

/** A folder with `users.npy` (+ ids) as given and valid item vectors. */
async function usersNpy(npy: Uint8Array, ids = "1\n2\n"): Promise<string> {
  const dir = await Deno.makeTempDir();
  await Deno.writeFile(join(dir, "users.npy"), npy);
  await Deno.writeTextFile(join(dir, "users.ids.txt"), ids);
  await Deno.writeTextFile(join(dir, "items.jsonl"), ITEMS_JSONL);
  return dir;
}

const sample: { users: VectorSet; items: VectorSet } = {
  users: { ids: ["3", "1"], rows: new Float32Array([0.25, -1.5, 3e-8, 1e30, 7, 0]), dim: 3 },
  items: { ids: ["a b", "20", "10"], rows: new Float32Array([1, 2, 3, 4, 5, 6]), dim: 2 },
};

for (const format of VECTOR_FORMATS) {
  Deno.test(`vector files: ${format} round trip keeps ids, values and dense indices`, async () => {
    const dir = await Deno.makeTempDir();
    const files = await writeKnowledgeVectors(dir, sample, { format });
    assert.equal(files.length, format === "npy" ? 4 : 2);
    const read = await readKnowledgeVectors(dir, vocab);
    for (const kind of ["users", "items"] as const) {
      assert.deepEqual(read[kind].ids, sample[kind].ids);
      assert.deepEqual(read[kind].rows, sample[kind].rows);
      assert.equal(read[kind].dim, sample[kind].dim);
      assert.equal(read[kind].format, format);
      const expected = sample[kind].ids.map((id) => vocab[kind].index.get(id)!);
      assert.deepEqual([...read[kind].dense], expected);
    }
    assert.equal(read.report.users.coverage, 2 / 3);
    assert.equal(read.report.items.coverage, 1);
    assert.match(read.report.summary, new RegExp(`users\\.${format}.*2 x 3, 66\\.7% of 3 users`));
    for await (const e of Deno.readDir(dir)) assert.ok(!e.name.endsWith(".partial"), e.name);
  });
}

Deno.test("vector files: vocabularies of a prepared dataset, full coverage", async () => {
  const { dataset } = await prepareDataset({
    dataset: "synthetic",
    synthetic: { users: 30, items: 40 },
  });
  const dim = 8;
  const set = (v: Vocabulary): VectorSet => {
    const ids = v.raw.slice(1);
    return { ids, dim, rows: Float32Array.from({ length: ids.length * dim }, (_, i) => i / 7) };
  };
  const dir = await Deno.makeTempDir();
  await writeKnowledgeVectors(dir, { users: set(dataset.users), items: set(dataset.items) });
  const read = await readKnowledgeVectors(dir, dataset);
  assert.equal(read.report.users.coverage, 1);
  assert.equal(read.report.items.coverage, 1);
  assert.deepEqual([...read.items.dense], dataset.items.raw.slice(1).map((_, i) => i + 1));
  assert.equal(read.items.rows[5 * dim + 3], Math.fround((5 * dim + 3) / 7));
});

Deno.test("vector files: parquet from DuckDB with integer ids, DOUBLE lists, FLOAT arrays", async () => {
  const dir = await Deno.makeTempDir();
  const db = await openMemoryDb();
  try {
    await db.run(`copy (select * from (values (3::BIGINT, [0.5, 1.0e-3]::DOUBLE[]),
      (1, [-2.0, 0.1]::DOUBLE[])) t(id, vector)) to ${
      sqlString(join(dir, "users.parquet"))
    } (format parquet)`);
    await db.run(
      `copy (select 'a b' as id, [1.5, 2.5]::FLOAT[2] as vector) to ${
        sqlString(join(dir, "items.parquet"))
      } (format parquet)`,
    );
  } finally {
    db.closeSync();
  }
  const read = await readKnowledgeVectors(dir, vocab);
  assert.deepEqual(read.users.ids, ["3", "1"]);
  assert.deepEqual([...read.users.dense], [3, 1]);
  assert.deepEqual(read.users.rows, new Float32Array([0.5, 1e-3, -2, 0.1]));
  assert.equal(read.users.dtype, "float64");
  assert.equal(read.items.dtype, "float32");
  assert.deepEqual(read.items.rows, new Float32Array([1.5, 2.5]));
});

/** A folder whose `users.parquet` is `select` written by DuckDB. */
async function usersParquet(select: string): Promise<string> {
  const dir = await Deno.makeTempDir();
  const db = await openMemoryDb();
  try {
    await db.run(`copy (${select}) to ${sqlString(join(dir, "users.parquet"))} (format parquet)`);
  } finally {
    db.closeSync();
  }
  await Deno.writeTextFile(join(dir, "items.jsonl"), ITEMS_JSONL);
  return dir;
}

const rows3 = (third: string) =>
  `select id, vector::DOUBLE[] as vector
   from (values ('1', [1.0, 2.0]), ('2', [3.0, 4.0]), ${third}) t(id, vector)`;

Deno.test("vector files: parquet errors name the file and row", async () => {
  const cases: [string, RegExp, number | undefined][] = [
    [rows3("('9', [5.0, 6.0])"), /users\.parquet row 2 \(0-based\): unknown user id "9"/, 2],
    [rows3("('1', [5.0, 6.0])"), /row 2 \(0-based\): duplicate user id "1" \(also at row 0\)/, 2],
    [rows3("('3', [5.0])"), /row 2 \(0-based\): vector has 1 values, expected 2 like row 0/, 2],
    [rows3("('3', [5.0, 'nan'::DOUBLE])"), /row 2 \(0-based\): vector\[1\] is NaN/, 2],
    [rows3("('3', ['-inf'::DOUBLE, 1])"), /row 2 \(0-based\): vector\[0\] is -Infinity/, 2],
    [rows3("('3', [1e300, 1])"), /row 2 \(0-based\): vector\[0\] = 1e\+300 is outside/, 2],
    [rows3("('3', NULL)"), /row 2 \(0-based\): vector is null/, 2],
    [rows3("('3', [1.0, NULL])"), /row 2 \(0-based\): vector\[1\] is null/, 2],
    [rows3("(NULL, [1.0, 2.0])"), /row 2 \(0-based\): id is null/, 2],
    [
      "select '1' as key, [1.0] as vector",
      /users\.parquet: no column "id" \(columns: key, vector\)/,
      undefined,
    ],
    [
      "select '1' as id, 'x' as vector",
      /column "vector" is VARCHAR; expected a LIST or ARRAY/,
      undefined,
    ],
    [
      "select 1.5 as id, [1.0] as vector",
      /column "id" is DECIMAL\(2,1\); expected a string/,
      undefined,
    ],
  ];
  for (const [select, pattern, row] of cases) {
    const e = await rejects(readKnowledgeVectors(await usersParquet(select), vocab), pattern);
    assert.equal(e.row, row, select);
    assert.match(e.file, /users\.parquet$/);
  }
  const dir = await usersParquet(rows3("('3', [5.0, 6.0])"));
  await Deno.writeTextFile(join(dir, "items.parquet"), "not parquet");
  await Deno.remove(join(dir, "items.jsonl"));
  await rejects(
    readKnowledgeVectors(dir, vocab),
    /items\.parquet: file too small to be a Parquet file$/,
  );
});

Deno.test("vector files: hand-built npy in float64 and float32, formats 1.0, 2.0 and 3.0", async () => {
  const f64 = new Float64Array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
  for (const major of [1, 2, 3]) {
    const dir = await usersNpy(npyBytes(npyDict("<f8", "(2, 3)"), bytesOf(f64), major), "2\n3\n");
    const read = await readKnowledgeVectors(dir, vocab);
    assert.deepEqual(read.users.rows, new Float32Array(f64));
    assert.deepEqual([...read.users.dense], [2, 3]);
    assert.equal(read.users.dtype, "float64");
    assert.deepEqual(read.users.files.map((f) => f.slice(dir.length + 1)), [
      "users.npy",
      "users.ids.txt",
    ]);
  }
  const f32 = new Float32Array([1, 2, 3, 4]);
  const dir = await usersNpy(npyBytes(npyDict("<f4", "(2,2)"), bytesOf(f32)), "1\r\n3\r\n");
  const read = await readKnowledgeVectors(dir, vocab);
  assert.deepEqual(read.users.rows, f32);
  assert.deepEqual(read.users.ids, ["1", "3"]);
  assert.equal(read.users.dtype, "float32");
});

Deno.test("vector files: npy errors name the file and row", async () => {
  const f32 = (values: number[]) => bytesOf(new Float32Array(values));
  const f64 = (values: number[]) => bytesOf(new Float64Array(values));
  const ok = npyBytes(npyDict("<f4", "(2, 2)"), f32([1, 2, 3, 4]));
  const cases: [Uint8Array, string, RegExp, number | undefined][] = [
    [
      npyBytes(npyDict(">f4", "(2, 2)"), f32([1, 2, 3, 4])),
      "1\n2\n",
      /users\.npy: unsupported dtype ">f4"/,
      undefined,
    ],
    [
      npyBytes(npyDict("<i8", "(2, 2)"), f64([1, 2, 3, 4])),
      "1\n2\n",
      /unsupported dtype "<i8"/,
      undefined,
    ],
    [
      npyBytes(npyDict("<f4", "(2, 2)", "True"), f32([1, 2, 3, 4])),
      "1\n2\n",
      /Fortran-order/,
      undefined,
    ],
    [
      npyBytes(npyDict("<f4", "(4,)"), f32([1, 2, 3, 4])),
      "1\n2\n",
      /shape \(4,\) is not 2-D/,
      undefined,
    ],
    [
      npyBytes(npyDict("<f4", "(2, 2, 1)"), f32([1, 2, 3, 4])),
      "1\n2\n",
      /shape \(2, 2, 1\) is not 2-D/,
      undefined,
    ],
    [
      npyBytes(npyDict("<f4", "(2, 2)"), f32([1, 2, 3])),
      "1\n2\n",
      /has 12 data bytes but shape \(2, 2\) of <f4 needs 16/,
      undefined,
    ],
    [new TextEncoder().encode("1,2\n3,4\n"), "1\n2\n", /users\.npy: not a \.npy file/, undefined],
    [
      npyBytes(npyDict("<f4", "(2, 2)"), f32([1, 2, 3, NaN])),
      "1\n2\n",
      /users\.npy row 1 \(0-based\): vector\[1\] is NaN/,
      1,
    ],
    [
      npyBytes(npyDict("<f8", "(2, 2)"), f64([1, Infinity, 3, 4])),
      "1\n2\n",
      /users\.npy row 0 \(0-based\): vector\[1\] is Infinity/,
      0,
    ],
    [
      npyBytes(npyDict("<f8", "(2, 2)"), f64([1, 2, 3, -1e40])),
      "1\n2\n",
      /row 1 \(0-based\): vector\[1\] = -1e\+40 is outside the float32 range/,
      1,
    ],
    [ok, "1\n", /users\.npy row 1 \(0-based\): no id: .*users\.ids\.txt has 1 lines for 2 rows/, 1],
    [ok, "1\n2\n3\n", /users\.ids\.txt:3: more ids than the 2 rows of .*users\.npy/, 3],
    [ok, "1\n7\n", /users\.ids\.txt:2: unknown user id "7"/, 2],
    [ok, "2\n2\n", /users\.ids\.txt:2: duplicate user id "2" \(also at line 1\)/, 2],
    [ok, "1\n\n", /users\.ids\.txt:2: empty user id/, 2],
  ];
  for (const [npy, ids, pattern, row] of cases) {
    const e = await rejects(readKnowledgeVectors(await usersNpy(npy, ids), vocab), pattern);
    assert.equal(e.row, row, String(pattern));
  }
  const dir = await usersNpy(ok);
  await Deno.remove(join(dir, "users.ids.txt"));
  const e = await rejects(readKnowledgeVectors(dir, vocab), /users\.ids\.txt: ids file not found/);
  assert.match(e.file, /users\.ids\.txt$/);
});

Deno.test("vector files: JSON-lines errors name the file and line", async () => {
  const good = '{"id":"1","vector":[1,2]}\n';
  const cases: [string, RegExp][] = [
    [good + '{"id":"2","vector":[1,2\n', /users\.jsonl:2: bad JSON/],
    [
      good + '{"id":"2","vector":[1,NaN]}\n',
      /users\.jsonl:2: bad JSON: .*\(NaN is not a JSON number/,
    ],
    [
      good + '{"id":"2","vector":[1,-Infinity]}\n',
      /:2: bad JSON: .*\(-Infinity is not a JSON number/,
    ],
    [good + '{"id":"2","vector":[1,1e999]}\n', /users\.jsonl:2: vector\[1\] is Infinity/],
    [good + '{"vector":[1,2]}\n', /users\.jsonl:2: missing "id"/],
    [good + '{"id":"2"}\n', /users\.jsonl:2: missing "vector"/],
    [good + '{"id":"2","vector":"1,2"}\n', /users\.jsonl:2: "vector" is string; expected an array/],
    [good + '{"id":"2","vector":[1,"2"]}\n', /users\.jsonl:2: vector\[1\] is "2", not a number/],
    [good + '{"id":true,"vector":[1,2]}\n', /users\.jsonl:2: "id" is true; expected a string/],
    [good + "[1,2]\n", /users\.jsonl:2: expected an object/],
    [
      good + '{"id":"2","vector":[1,2,3]}\n',
      /users\.jsonl:2: vector has 3 values, expected 2 like line 1/,
    ],
    [
      good + '{"id":"9","vector":[1,2]}\n',
      /users\.jsonl:2: unknown user id "9" \(not among the dataset's 3 users\)/,
    ],
    [
      good + '\n{"id":1,"vector":[3,4]}\n',
      /users\.jsonl:3: duplicate user id "1" \(also at line 1\)/,
    ],
    [good + '{"id":"","vector":[1,2]}\n', /users\.jsonl:2: empty user id/],
    [good + '{"id":"2","vector":[]}\n', /users\.jsonl:2: empty vector/],
    ["\n\n", /users\.jsonl: no user vectors in the file/],
  ];
  for (const [text, pattern] of cases) {
    const e = await rejects(readKnowledgeVectors(await usersJsonl(text), vocab), pattern);
    assert.match(e.file, /users\.jsonl$/);
  }
  const bad = new Uint8Array([...new TextEncoder().encode(good), 0xff, 0x0a]);
  const dir = await usersJsonl("");
  await Deno.writeFile(join(dir, "users.jsonl"), bad);
  const e = await rejects(readKnowledgeVectors(dir, vocab), /users\.jsonl:2: invalid UTF-8/);
  assert.equal(e.row, 2);
});

Deno.test("vector files: a JSON line longer than the read chunk, integer ids, no final newline", async () => {
  const dim = 150_000; // ~1.3 MB of text: the line spans two 1 MiB reads
  const vector = Array.from({ length: dim }, (_, i) => (i % 97) / 97);
  const dir = await usersJsonl(
    JSON.stringify({ id: 2, vector }) + "\n" + JSON.stringify({ id: "3", vector }),
  );
  const read = await readKnowledgeVectors(dir, vocab);
  assert.equal(read.users.dim, dim);
  assert.deepEqual(read.users.ids, ["2", "3"]);
  assert.equal(read.users.rows.length, 2 * dim);
  assert.equal(read.users.rows[dim + 96], Math.fround(96 / 97));
});

Deno.test("vector files: missing and ambiguous kinds are errors naming the files", async () => {
  const dir = await usersJsonl('{"id":"1","vector":[1,2]}\n');
  await Deno.remove(join(dir, "items.jsonl"));
  await rejects(
    readKnowledgeVectors(dir, vocab),
    /items\.\*: no items vectors: expected items\.parquet, items\.npy with items\.ids\.txt, or items\.jsonl/,
  );
  await Deno.writeTextFile(join(dir, "items.jsonl"), ITEMS_JSONL);
  await Deno.writeFile(join(dir, "users.npy"), new Uint8Array(0));
  await rejects(
    readKnowledgeVectors(dir, vocab),
    /users\.npy: ambiguous: users\.npy and users\.jsonl both exist; keep one/,
  );
  await rejects(readKnowledgeVectors(join(dir, "nope"), vocab), /nope: .*folder not found/);
  await assert.rejects(
    writeKnowledgeVectors(dir, sample, { format: "parquet" }),
    /users\.npy exists: writing users\.parquet beside it would be ambiguous/,
  );
});

Deno.test("vector files: writing refuses sets the reader would refuse", async () => {
  const dir = await Deno.makeTempDir();
  const write = (users: VectorSet) => writeKnowledgeVectors(dir, { ...sample, users });
  await assert.rejects(write({ ids: ["1", "1"], rows: new Float32Array(2), dim: 1 }), /duplicate/);
  await assert.rejects(write({ ids: ["1"], rows: new Float32Array(3), dim: 2 }), /3 values/);
  await assert.rejects(write({ ids: ["1"], rows: new Float32Array([NaN]), dim: 1 }), /NaN/);
  await assert.rejects(write({ ids: ["a\nb"], rows: new Float32Array(1), dim: 1 }), /line break/);
  assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing written");
});

const PYTHON = "/usr/bin/python3";

async function hasNumpy(): Promise<boolean> {
  try {
    const out = await new Deno.Command(PYTHON, { args: ["-c", "import numpy"], stderr: "null" })
      .output();
    return out.success;
  } catch {
    return false;
  }
}

const numpy = await hasNumpy();
if (!numpy) console.warn(`skipping the real-NumPy test: ${PYTHON} -c "import numpy" failed`);

Deno.test({
  name: "vector files: npy written by real NumPy (float32/float64, formats 1.0-3.0, Fortran)",
  ignore: !numpy,
  async fn() {
    const dir = await Deno.makeTempDir();
    const script = `
import numpy as np, sys
d = sys.argv[1]
a = np.arange(6, dtype=np.float64).reshape(2, 3) / 7
np.save(d + "/f64.npy", a)
np.save(d + "/f32.npy", a.astype(np.float32))
for v in [(2, 0), (3, 0)]:
    with open(d + "/v%d.npy" % v[0], "wb") as f:
        np.lib.format.write_array(f, a.astype(np.float32), version=v)
np.save(d + "/fortran.npy", np.asfortranarray(a))
np.save(d + "/big.npy", a.astype(">f8"))
`;
    const out = await new Deno.Command(PYTHON, { args: ["-c", script, dir] }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const expected = Float32Array.from({ length: 6 }, (_, i) => i / 7);
    for (const name of ["f64", "f32", "v2", "v3"]) {
      await Deno.copyFile(join(dir, `${name}.npy`), join(dir, "users.npy"));
      await Deno.writeTextFile(join(dir, "users.ids.txt"), "3\n1\n");
      await Deno.writeTextFile(join(dir, "items.jsonl"), ITEMS_JSONL);
      const read = await readKnowledgeVectors(dir, vocab);
      assert.deepEqual(read.users.rows, expected, name);
      assert.equal(read.users.dtype, name === "f64" ? "float64" : "float32");
    }
    await Deno.copyFile(join(dir, "fortran.npy"), join(dir, "users.npy"));
    await rejects(readKnowledgeVectors(dir, vocab), /users\.npy: Fortran-order array/);
    await Deno.copyFile(join(dir, "big.npy"), join(dir, "users.npy"));
    await rejects(readKnowledgeVectors(dir, vocab), /users\.npy: unsupported dtype ">f8"/);
  },
});
