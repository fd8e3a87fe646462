import assert from "node:assert/strict";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { openStore } from "../../../adapters/store/duckdb_store.ts";
import { openChecked, readEveryTable } from "../../../adapters/store/integrity.ts";
import { openStoreFlag } from "../../../cli/checks.ts";
import { writeSizedStore } from "./sized_store.ts";

const TABLES = ["generations", "knowledge", "knowledge_rounds", "runs", "vectors"];

/** Where live table data lies in the file: byte offsets of the segments' starts. */
async function segmentOffsets(path: string): Promise<number[]> {
  const instance = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
  const c = await instance.connect();
  try {
    const size = (await Deno.stat(path)).size;
    const [db] = (await c.runAndReadAll("PRAGMA database_size")).getRowObjectsJS();
    const blockSize = Number(db.block_size), header = size - Number(db.total_blocks) * blockSize;
    const offsets: number[] = [];
    for (const t of TABLES) {
      const rows = (await c.runAndReadAll(
        `SELECT block_id, block_offset FROM pragma_storage_info('${t}') WHERE block_id >= 0`,
      )).getRowObjectsJS();
      for (const r of rows) {
        offsets.push(header + Number(r.block_id) * blockSize + Number(r.block_offset));
      }
    }
    return offsets.sort((a, b) => a - b);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function overwrite(path: string, offset: number, bytes: Uint8Array): Promise<void> {
  using file = await Deno.open(path, { write: true });
  await file.seek(offset, Deno.SeekMode.Start);
  await file.write(bytes);
}

/** Asserts that every way of opening `path` refuses it as damaged, and nothing touched it. */
async function assertRefused(path: string): Promise<void> {
  const before = await sha256(path);
  const damaged = (prefix: string) => (e: Error) => {
    assert.ok(e.message.startsWith(prefix), e.message);
    assert.match(e.message, /Corrupt database file|Could not read enough bytes/);
    return true;
  };
  await assert.rejects(openStore(path), damaged(`store ${path} is damaged: `));
  await assert.rejects(openStore(path, { readOnly: true }), damaged(`store ${path} is damaged: `));
  await assert.rejects(
    openStoreFlag(path, { mustExist: true }),
    damaged(`--store ${path}: damaged: `),
  );
  assert.equal(await sha256(path), before, "the file's bytes changed");
  await assert.rejects(
    Deno.stat(`${path}.wal`),
    Deno.errors.NotFound,
    "a write-ahead log appeared",
  );
}

Deno.test("store integrity: a damaged store is refused at open, before anything is written", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "r4ec-integrity-" });
  try {
    const intact = join(dir, "intact.duckdb");
    await writeSizedStore(intact, { users: 600, items: 400 });
    const size = (await Deno.stat(intact)).size;
    const segments = await segmentOffsets(intact);

    await t.step("an intact store opens, and the check reads every table", async () => {
      const instance = await openChecked(intact);
      assert.equal(await readEveryTable(instance), TABLES.length);
      instance.closeSync();
      await using store = await openStore(intact);
      assert.equal(await store.countGenerations(), 3_000);
    });

    await t.step("a zeroed tail", async () => {
      const path = join(dir, "zeroed-tail.duckdb");
      await Deno.copyFile(intact, path);
      const from = Math.floor(size * 0.75);
      assert.ok(segments.some((o) => o >= from), "the tail holds table data (fixture)");
      await overwrite(path, from, new Uint8Array(size - from));
      await assertRefused(path);
    });

    await t.step("garbage in the middle", async () => {
      const path = join(dir, "garbage-middle.duckdb");
      await Deno.copyFile(intact, path);
      // The table data nearest the middle of the file, overwritten with 4 KiB of noise.
      const middle = segments.reduce((a, b) =>
        Math.abs(b - size / 2) < Math.abs(a - size / 2) ? b : a
      );
      const noise = crypto.getRandomValues(new Uint8Array(4096));
      await overwrite(path, middle, noise);
      await assertRefused(path);
      // Why the check reads every column: opening and counting rows read no data block.
      const instance = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
      const c = await instance.connect();
      for (const table of TABLES) await c.run(`SELECT count(*) FROM ${table}`);
      c.closeSync();
      instance.closeSync();
    });

    await t.step("a store in use by another process is still reported as in use", async () => {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "eval",
          `import { DuckDBInstance } from "@duckdb/node-api";` +
          `const i = await DuckDBInstance.create(${JSON.stringify(intact)});` +
          `console.log("held"); await new Promise((r) => setTimeout(r, 30000));`,
        ],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      try {
        assert.match((await reader.read()).value ?? "", /held/);
        await assert.rejects(openStore(intact), /is in use by another process \(PID \d+\)/);
      } finally {
        child.kill("SIGKILL");
        await child.status;
        reader.releaseLock();
        await child.stdout.cancel().catch(() => {});
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
