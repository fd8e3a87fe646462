import assert from "node:assert/strict";
import plugin, { MAX_FILE_LINES, MAX_FUNCTION_LINES } from "../../tools/size_lint.ts";

/** A function declaration spanning exactly `lines` lines (header, body, closing brace). */
function functionOf(lines: number, name = "f"): string {
  const body = Array.from({ length: lines - 2 }, (_, i) => `  const v${i} = ${i};`);
  return [`function ${name}() {`, ...body, "}"].join("\n") + "\n";
}

/** A file of exactly `lines` lines, each a short statement. */
function fileOf(lines: number): string {
  return Array.from({ length: lines }, (_, i) => `export const v${i} = ${i};`).join("\n") + "\n";
}

function ids(filename: string, source: string): string[] {
  return Deno.lint.runPlugin(plugin, filename, source).map((d) => d.id);
}

Deno.test("size/function-length: a function over the limit is reported, one at it is not", () => {
  assert.equal(MAX_FUNCTION_LINES, 120);
  const over = Deno.lint.runPlugin(plugin, "src/long.ts", functionOf(121));
  assert.deepEqual(over.map((d) => d.id), ["size/function-length"]);
  assert.match(over[0].message, /121 lines/);
  assert.deepEqual(ids("src/ok.ts", functionOf(120)), []);
  assert.deepEqual(ids("src/ok.ts", functionOf(119)), []);
});

Deno.test("size/function-length: arrows, function expressions and methods count too", () => {
  const body = functionOf(121).split("\n").slice(1).join("\n");
  assert.deepEqual(ids("a.ts", `export const f = () => {\n${body}`), ["size/function-length"]);
  assert.deepEqual(ids("b.ts", `export const f = function () {\n${body}`), [
    "size/function-length",
  ]);
  assert.deepEqual(ids("c.ts", `export class C {\n  m() {\n${body}}\n`), [
    "size/function-length",
  ]);
});

Deno.test("size/file-length: a file over the limit is reported, one at it is not", () => {
  assert.equal(MAX_FILE_LINES, 600);
  assert.deepEqual(ids("src/big.ts", fileOf(601)), ["size/file-length"]);
  assert.deepEqual(ids("src/fine.ts", fileOf(600)), []);
  assert.deepEqual(ids("src/fine.ts", fileOf(599)), []);
});

Deno.test("size rules: files under tests/ and bench/ are exempt, by path from the root", () => {
  const root = new URL("../../", import.meta.url).pathname;
  const source = fileOf(700) + functionOf(200);
  assert.deepEqual(ids(`${root}tests/long_test.ts`, source), []);
  assert.deepEqual(ids(`${root}bench/long_bench.ts`, source), []);
  assert.deepEqual(ids("tests/long_test.ts", source), []);
  // Only the project's own top-level folders: a folder named tests deeper down is checked.
  assert.deepEqual(ids(`${root}adapters/tests/long.ts`, source), [
    "size/file-length",
    "size/function-length",
  ]);
});
