import assert from "node:assert/strict";
import { join } from "node:path";
import { runtime as denoRuntime } from "../../runtime/deno.ts";
import { runtime as nodeRuntime } from "../../runtime/node.ts";
import type { Runtime } from "../../runtime/mod.ts";

// Deno implements the node: modules, so both implementations run here against one contract (the
// Node host test runs node.ts on Node itself).
for (const runtime of [denoRuntime, nodeRuntime] as Runtime[]) {
  Deno.test(`runtime/${runtime.name}.ts: files, handles, not-found errors, env and pid`, async () => {
    const dir = await Deno.makeTempDir({ prefix: `r4ec-runtime-${runtime.name}-` });
    try {
      const nested = join(dir, "a", "b");
      await runtime.mkdir(nested, { recursive: true });
      assert.equal(runtime.statSync(nested).isDirectory, true);
      const bytes = Uint8Array.from({ length: 300 }, (_, i) => i % 251);
      await runtime.writeFile(join(nested, "x.bin"), bytes);
      assert.deepEqual(await runtime.readFile(join(nested, "x.bin")), bytes);
      const info = await runtime.stat(join(nested, "x.bin"));
      assert.deepEqual(info, { isFile: true, isDirectory: false, size: 300 });
      await runtime.writeTextFile(join(dir, "t.txt"), "héllo\n");
      await runtime.rename(join(dir, "t.txt"), join(dir, "u.txt"));
      assert.equal(await runtime.readTextFile(join(dir, "u.txt")), "héllo\n");
      assert.equal(runtime.readTextFileSync(new URL(`file://${join(dir, "u.txt")}`)), "héllo\n");
      assert.deepEqual([...runtime.readDirSync(dir)].map((e) => e.name).sort(), ["a", "u.txt"]);

      {
        using out = await runtime.open(join(dir, "h.bin"), { write: true });
        assert.equal(await out.write(bytes.subarray(0, 200)), 200);
        assert.equal(await out.write(bytes.subarray(200)), 100);
      }
      using input = await runtime.open(join(dir, "h.bin"));
      assert.equal(await input.size(), 300);
      await input.seek(250);
      const tail = new Uint8Array(80);
      assert.equal(await input.read(tail), 50);
      assert.deepEqual(tail.subarray(0, 50), bytes.subarray(250));
      assert.equal(await input.read(tail), null);

      const missing = await runtime.stat(join(dir, "nope")).catch((e) => e);
      assert.equal(runtime.isNotFound(missing), true);
      assert.equal(runtime.isNotFound(new Error("other")), false);
      assert.equal(runtime.env("R4EC_SURELY_UNSET_VARIABLE"), undefined);
      assert.equal(runtime.env("HOME"), Deno.env.get("HOME"));
      assert.equal(runtime.pid, Deno.pid);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
