import assert from "node:assert/strict";
import { join } from "node:path";
import { openStore } from "../../adapters/store/duckdb_store.ts";
import { resolveData } from "../../eval/resolve_data.ts";

async function evalCli(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli/eval.ts", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr).trim();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout), stderr };
}

/** The last stderr line is the one-line error. */
const lastLine = (s: string) => s.split("\n").at(-1) ?? "";

Deno.test("eval CLI: bad flags, unknown backbone and bad specs give one-line errors", async () => {
  const cases: [string[], RegExp][] = [
    [["--epochs", "zero"], /^error: bad flags: --epochs: .*see --help/],
    [["--backbones", "din,gru9"], /^error: bad flags: --backbones: unknown backbone "gru9"/],
    [["--dataset", "ml-2m"], /^error: bad flags: --dataset: /],
    [["--frobnicate"], /^error: Unknown option '--frobnicate' \(see --help\)/],
    [["--dataset", "synthetic", "--actor", "gpt:4"], /^error: --actor gpt:4: unknown kind/],
  ];
  for (const [args, pattern] of cases) {
    const r = await evalCli(...args);
    assert.notEqual(r.code, 0, args.join(" "));
    assert.match(lastLine(r.stderr), pattern);
    assert.ok(!r.stderr.includes("    at "), "no stack trace");
  }
});

Deno.test("eval CLI: a data folder with missing files is named, and not replaced", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dir, "movies.dat"), "1::Heat (1995)::Action\n");
  const r = await evalCli("--dataset", "ml-1m", "--data", dir);
  assert.equal(r.code, 1);
  assert.match(
    lastLine(r.stderr),
    /has no ratings\.dat or ratings\.dat\.gz, users\.dat for ml-1m; point --data/,
  );
  assert.equal(r.stdout, "");
});

Deno.test("eval CLI: an unreachable endpoint stops with one line and keeps the store", async () => {
  const dir = await Deno.makeTempDir();
  const store = join(dir, "store.duckdb");
  {
    await using s = await openStore(store);
    await s.startRun({ kind: "marker", config: { keep: true } });
  }
  // Port 9 (discard) is closed on 127.0.0.1: every connection is refused.
  const r = await evalCli(
    "--dataset=synthetic",
    "--synthetic-users=30",
    "--synthetic-items=40",
    "--actor=endpoint:http://127.0.0.1:9#m",
    "--retries=0",
    `--store=${store}`,
    `--out=${join(dir, "out")}`,
  );
  assert.equal(r.code, 1);
  assert.match(lastLine(r.stderr), /^error: knowledge generation stopped: .*rerun to resume$/);
  await using s = await openStore(store);
  assert.equal((await s.listRuns("marker")).length, 1);
});

Deno.test("data resolution: flag, R4EC_DATA_DIR, ./data, then synthetic only when not explicit", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(join(dir, "ml-100k"));
  for (const f of ["u.data", "u.item", "u.genre", "u.user"]) {
    await Deno.writeTextFile(join(dir, "ml-100k", f), "");
  }
  const env = (name: string) => (name === "R4EC_DATA_DIR" ? dir : undefined);
  const viaEnv = await resolveData({ dataset: "ml-100k", explicit: true, env });
  assert.equal(viaEnv.dataDir, join(dir, "ml-100k"));
  assert.equal(viaEnv.fellBack, false);
  const none = () => undefined;
  const offline = () => Promise.reject(new Error("network unreachable"));
  const fallback = await resolveData({
    dataset: "ml-1m",
    explicit: false,
    env: none,
    download: offline,
  });
  assert.equal(fallback.dataset, "synthetic");
  assert.ok(fallback.fellBack);
  assert.match(
    fallback.origin,
    /^built-in synthetic dataset, because no ml-1m files in data\/ml-1m, and the download failed \(network unreachable\)/,
  );
  await assert.rejects(
    resolveData({ dataset: "ml-1m", explicit: true, env: none, download: offline }),
    /no ml-1m files in data\/ml-1m, and the download failed/,
  );
  await assert.rejects(
    resolveData({ dataset: "ml-100k", explicit: true, dataDir: dir }),
    /--data .* has no u\.data, u\.item, u\.genre, u\.user for ml-100k/,
  );
});
