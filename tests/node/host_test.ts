import assert from "node:assert/strict";
import { hostFolder, nodeVersion } from "./host_folder.ts";

const node = nodeVersion();

Deno.test({
  name:
    "tests/node/host.mjs: Node imports the built package, trains, serves it over HTTP; its types check",
  ignore: !node && (console.warn("skipping the Node host test: no `node` on PATH"), true),
  fn: async () => {
    assert.ok(Number(node!.slice(1).split(".")[0]) >= 20, `needs Node ≥ 20, found ${node}`);
    const dir = await hostFolder();
    try {
      const out = await new Deno.Command("node", {
        args: ["host.mjs"],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, stderr);
      const report = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
      assert.equal(report.readmeExample.rounds, 1);
      assert.equal(report.wasm, true);
      assert.equal(report.http.status, 200);
      assert.equal(report.http.scored, 5);
      assert.match(report.denoOnly, /@hono\/node-server/);
      const t = report.training;
      // Recorded, not asserted: bench/results/node.md compares it with Deno.
      console.log(
        `${t.runtime}: one epoch of ${t.samples} samples in ${t.seconds.toFixed(2)} s ` +
          `(${Math.round(t.samplesPerSecond)} samples/s), validation AUC ${t.validAuc.toFixed(4)}`,
      );
      // The declarations serve a strict TypeScript consumer; its lib needs the web globals (fetch,
      // Request: `dom` here, or @types/node) and Symbol.asyncDispose, which the store implements.
      const tsc = await new Deno.Command("node", {
        args: [
          "node_modules/typescript/bin/tsc",
          ...["--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext"],
          ...["--target", "es2022", "--lib", "es2022,esnext.disposable,dom", "consumer.mts"],
        ],
        cwd: dir,
        stdout: "piped",
      }).output();
      assert.equal(tsc.code, 0, new TextDecoder().decode(tsc.stdout));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
