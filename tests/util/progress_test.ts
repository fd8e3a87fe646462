import assert from "node:assert/strict";
import { formatCount, formatDuration, formatRate, Progress } from "../../util/progress.ts";

/** A progress reporter on a fake clock, keeping everything it writes. */
function fake(terminal: boolean, options: { intervalMs?: number; columns?: number } = {}) {
  let t = 0;
  const writes: string[] = [];
  const progress = new Progress({
    terminal,
    write: (text) => writes.push(text),
    now: () => t,
    redrawMs: 100,
    ...options,
  });
  return { progress, writes, advance: (ms: number) => (t += ms) };
}

Deno.test("formatCount, formatRate and formatDuration", () => {
  assert.deepEqual([0, 950, 1234, 12_345, 999_949, 4_100_000, 2.5].map(formatCount), [
    "0",
    "950",
    "1234",
    "12.3k",
    "999.9k",
    "4.10M",
    "2.5",
  ]);
  assert.deepEqual([0.25, 3.14159, 99.94, 1234.4].map(formatRate), ["0.25", "3.1", "99.9", "1234"]);
  assert.deepEqual(
    [undefined, -1, Infinity, 4_200, 42_000, 185_000, 3_725_000].map(formatDuration),
    ["?", "?", "?", "4.2s", "42s", "3m05s", "1h02m"],
  );
});

Deno.test("not a terminal: one plain line per interval per step, then the final line", () => {
  const { progress, writes, advance } = fake(false, { intervalMs: 10_000 });
  const step = progress.step("knowledge", 1000, "tasks");
  for (let k = 1; k <= 1000; k++) {
    advance(50); // 50 s in all: 20 tasks a second
    step.update(k, `${k} tokens`);
  }
  step.end();
  assert.ok(writes.every((w) => w.endsWith("\n") && !w.includes("\r") && !w.includes("\x1b")));
  // 50 s at one line per 10 s: lines at 10, 20, 30, 40 and 50 s, and the final line.
  assert.equal(writes.length, 6, writes.join(""));
  assert.equal(writes[0], "knowledge: 200/1000 tasks (20%), 20.0/s, ETA 40s, 200 tokens\n");
  assert.equal(writes.at(-1), "knowledge: 1000 tasks in 50s (20.0 tasks/s), 1000 tokens\n");
});

Deno.test("not a terminal: an updates-only step that ends early prints only its final line", () => {
  const { progress, writes, advance } = fake(false);
  const step = progress.step("encoding", 10, "texts");
  advance(1500);
  step.update(10);
  step.end("encoding: done with hashing");
  progress.log("a plain line");
  step.end("ignored: already ended");
  assert.deepEqual(writes, ["encoding: done with hashing\n", "a plain line\n"]);
});

Deno.test("terminal: the live line is rewritten in place (\\r, cleared), throttled", () => {
  const { progress, writes, advance } = fake(true);
  const step = progress.step("train din/r4/seed 1", 4000, "samples");
  writes.length = 0;
  for (let k = 1; k <= 40; k++) {
    advance(10); // 400 ms in all: a redraw at most every 100 ms
    step.update(k * 100, "epoch 1/4");
  }
  assert.ok(writes.length >= 3 && writes.length <= 5, `${writes.length} redraws`);
  for (const w of writes) {
    assert.ok(w.startsWith("\r\x1b[J"), "back to the line's start, cleared");
    assert.ok(!w.includes("\n"), "one line, never a new one");
  }
  assert.equal(
    writes.at(-1),
    "\r\x1b[Jtrain din/r4/seed 1: 4000/4000 samples (100%), 10.0k/s, ETA 0.0s, epoch 1/4",
  );
  writes.length = 0;
  step.end("train din/r4/seed 1: test AUC 0.6349");
  assert.deepEqual(writes, ["\r\x1b[J" + "train din/r4/seed 1: test AUC 0.6349\n"]);
});

Deno.test("terminal: several steps are one line each; lines print above them", () => {
  const { progress, writes, advance } = fake(true, { columns: 40 });
  const a = progress.step("train a", 10, "samples");
  const b = progress.step("train b", 10, "samples");
  advance(1000);
  writes.length = 0;
  progress.log("train c: reused");
  // Up one line to the first live line, clear below, the plain line, then both live lines.
  assert.equal(writes.length, 1);
  const [w] = writes;
  assert.ok(w.startsWith("\x1b[1A\r\x1b[Jtrain c: reused\n"), JSON.stringify(w));
  const live = w.slice("\x1b[1A\r\x1b[Jtrain c: reused\n".length).split("\n");
  assert.equal(live.length, 2);
  assert.ok(live.every((l) => l.length < 40), "cut to the terminal's width");
  assert.ok(live[0].startsWith("train a: 0/10") && live[1].startsWith("train b: 0/10"));
  a.end();
  b.end();
  advance(1000);
  writes.length = 0;
  progress.close();
  assert.deepEqual(writes, [], "nothing live: nothing to leave");
});

Deno.test("terminal: close moves below the live line", () => {
  const { progress, writes } = fake(true);
  progress.step("knowledge", 10, "tasks");
  writes.length = 0;
  progress.close();
  assert.deepEqual(writes, ["\n"]);
});
