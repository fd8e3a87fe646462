import assert from "node:assert/strict";
import { join } from "node:path";
import { openStore } from "../../adapters/store/duckdb_store.ts";
import { promptText, startOpenAIServer } from "../fixtures/openai_server.ts";
import { runTask } from "./run_task.ts";

/** Six user windows, reasoning only, against an endpoint: the smallest knowledge run. */
function knowledgeArgs(url: string, store: string, extra: string[] = []): string[] {
  return [
    "--dataset=synthetic",
    "--synthetic-users=20",
    "--synthetic-items=20",
    "--kinds=user",
    "--limit=6",
    "--rounds=0",
    `--actor=endpoint:${url}#fake-7b`,
    `--store=${store}`,
    "--concurrency=2",
    ...extra,
  ];
}

Deno.test("knowledge CLI: a permanent failure is said on stderr with its cause, and not offered a retry", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using refusing = startOpenAIServer({
      fallback: {
        status: 400,
        body: { error: { message: "This model's maximum context length is 4096 tokens" } },
      },
    });
    const permanent = await runTask(
      "knowledge",
      knowledgeArgs(refusing.url, join(dir, "a.duckdb"), ["--retries=3"]),
    );
    assert.equal(permanent.code, 1);
    assert.match(
      permanent.lastLine,
      /^knowledge: 6 task\(s\) failed permanently \(a rerun fails the same way; change the settings\): .*not retryable after 1 attempt: .*answered 400: .*maximum context length is 4096 tokens/,
    );
    assert.ok(!permanent.stderr.includes("rerun to retry"), permanent.stderr);
    assert.equal(refusing.requests.length, 6, "a 400 is never retried");
    const summary = JSON.parse(permanent.stdout);
    assert.equal(summary.permanentFailures, 6);
    assert.ok(summary.failures.every((f: { permanent: boolean }) => f.permanent));

    await using busy = startOpenAIServer({ fallback: { status: 503 } });
    const transient = await runTask(
      "knowledge",
      knowledgeArgs(busy.url, join(dir, "b.duckdb"), ["--retries=1"]),
    );
    assert.equal(transient.code, 1);
    assert.match(
      transient.lastLine,
      /^knowledge: 6 task\(s\) failed; rerun to retry them: .*gave up after 2 attempts: .*answered 503/,
    );

    // eval stops at the first failure; a permanent one is not sent back to a rerun either.
    const stopped = await runTask("eval", [
      "--dataset=synthetic",
      "--synthetic-users=20",
      "--synthetic-items=20",
      `--actor=endpoint:${refusing.url}#fake-7b`,
      `--store=${join(dir, "c.duckdb")}`,
      `--out=${join(dir, "out")}`,
    ]);
    assert.equal(stopped.code, 1);
    assert.match(
      stopped.lastLine,
      /^error: knowledge generation stopped: .*maximum context length.* — this failure is permanent, so a rerun fails the same way/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** 200 seeded random bytes as text, one NUL among them at least. */
function randomBytes(seed: number): string {
  let s = seed;
  const bytes = Array.from({ length: 200 }, () => (s = (s * 1103515245 + 12345) >>> 0) >>> 24);
  bytes[100] = 0;
  return String.fromCharCode(...bytes);
}

Deno.test("knowledge CLI: garbage answers are parse failures, never stored, and replaced by the rerun", async () => {
  const dir = await Deno.makeTempDir();
  const store = join(dir, "k.duckdb");
  // The first run answers random bytes for about half the windows (both attempts: the format
  // reminder is appended after the history, which decides); the second answers text for all.
  let garbage = true;
  const windowOf = (prompt: string) => prompt.slice(0, prompt.indexOf("</User History>"));
  const garbled = new Set<string>();
  await using server = startOpenAIServer({
    fallback: (req) => {
      const window = windowOf(promptText(req));
      const hash = [...window].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
      if (garbage && hash % 2 === 1) {
        garbled.add(window);
        return { text: randomBytes(hash) };
      }
      return { text: `Enjoys the films of this window: ${hash.toString(16)}.` };
    },
  });
  try {
    const first = await runTask("knowledge", knowledgeArgs(server.url, store));
    assert.equal(first.code, 0, first.stderr);
    const g = garbled.size;
    assert.ok(g >= 1 && g < 6, `${g} of 6 windows got garbage; the test needs some of each`);
    const one = JSON.parse(first.stdout);
    assert.equal(one.written, 6);
    assert.deepEqual(one.stopReasons, { reasoning_only: 6 - g, unparsable_draft: g });
    // Each garbled window: the answer and its format-reminder retry.
    assert.equal(server.requests.length, 6 + g);
    {
      await using s = await openStore(store);
      // Only text was stored as generations; garbage never was.
      assert.equal(await s.countGenerations(), 6 - g);
      const [{ n }] = await s.query(
        "SELECT count(*) AS n FROM generations WHERE contains(output, chr(0))",
      );
      assert.equal(Number(n), 0);
      const failures = (await s.listKnowledge({})).filter((r) => r.final.parseFailure);
      assert.equal(failures.length, g);
      for (const r of failures) {
        assert.match(r.final.parseFailure!, /^not_text: answer is not text: contains \d+ NUL/);
      }
    }

    garbage = false;
    server.resetStats();
    const second = await runTask("knowledge", knowledgeArgs(server.url, store));
    assert.equal(second.code, 0, second.stderr);
    const two = JSON.parse(second.stdout);
    // The text knowledge is kept; the garbled windows are asked again (nothing was cached).
    assert.deepEqual([two.skipped, two.written], [6 - g, g]);
    assert.equal(server.requests.length, g);
    await using s = await openStore(store);
    const records = await s.listKnowledge({});
    assert.equal(records.length, 6);
    assert.ok(records.every((r) => !r.final.parseFailure && r.final.text.startsWith("Enjoys")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
