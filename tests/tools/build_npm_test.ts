import assert from "node:assert/strict";
import { rewriteSpecifiers } from "../../tools/build_npm.ts";

Deno.test("build_npm: relative .ts specifiers become .js, other strings stay", () => {
  const source = [
    'import { a } from "./a.ts";',
    'export * from "../b/mod.ts";',
    'const m = await import("./lazy.ts");',
    'new Worker(new URL("./worker.ts", import.meta.url));',
    'import { z } from "zod";',
    'const note = "see ./notes.ts";',
  ].join("\n");
  assert.equal(
    rewriteSpecifiers(source),
    [
      'import { a } from "./a.js";',
      'export * from "../b/mod.js";',
      'const m = await import("./lazy.js");',
      'new Worker(new URL("./worker.js", import.meta.url));',
      'import { z } from "zod";',
      'const note = "see ./notes.ts";',
    ].join("\n"),
  );
});
