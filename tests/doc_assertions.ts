/**
 * Preloaded by `deno task test:doc`: makes `console.assert` throw, so that a failed assertion in a
 * documentation example fails its test instead of printing a line nobody reads.
 *
 * @module
 */
console.assert = (condition?: boolean, ...data: unknown[]): void => {
  if (condition) return;
  throw new Error(`Assertion failed${data.length ? `: ${data.map(String).join(" ")}` : ""}`);
};
