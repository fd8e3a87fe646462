import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildNpm } from "../../tools/build_npm.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const HOST_FILES = ["host.mjs", "train_epoch.mjs"];

function nodeVersion(): string | undefined {
  try {
    const out = new Deno.Command("node", { args: ["--version"], stderr: "null" }).outputSync();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A folder laid out as after `npm install @r4ec/r4ec @hono/node-server`: the build output as the
 * package, its dependencies linked from the repository's node_modules (Deno's install).
 */
async function hostFolder(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "r4ec-node-host-" });
  const pkg = await buildNpm(join(dir, "node_modules", "@r4ec", "r4ec"));
  const { dependencies } = JSON.parse(await Deno.readTextFile(join(pkg, "package.json")));
  for (const name of [...Object.keys(dependencies), "@hono/node-server"]) {
    const link = join(dir, "node_modules", name);
    await Deno.mkdir(dirname(link), { recursive: true });
    await Deno.symlink(await Deno.realPath(join(ROOT, "node_modules", name)), link);
  }
  for (const file of HOST_FILES) {
    await Deno.copyFile(join(ROOT, "tests", "node", file), join(dir, file));
  }
  return dir;
}

const node = nodeVersion();

Deno.test({
  name: "tests/node/host.mjs: Node imports the built package, trains, and serves it over HTTP",
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
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
