/**
 * The Node host of the built package in a temporary folder (tests/node/host_test.ts and
 * bench/node_throughput.ts).
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildNpm } from "../../tools/build_npm.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const HOST_FILES = ["host.mjs", "train_epoch.mjs", "consumer.mts"];

/** `node --version` (`v20.20.2`), or `undefined` when there is no `node` on PATH. */
export function nodeVersion(): string | undefined {
  try {
    const out = new Deno.Command("node", { args: ["--version"], stderr: "null" }).outputSync();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A folder laid out as after `npm install @r4ec/r4ec @hono/node-server`: the build output as the
 * package, its dependencies linked from the repository's node_modules (Deno's install), and the
 * host files (with `typescript`, for the type check of `consumer.mts`). The caller removes it.
 */
export async function hostFolder(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "r4ec-node-host-" });
  const pkg = await buildNpm(join(dir, "node_modules", "@r4ec", "r4ec"));
  const { dependencies } = JSON.parse(await Deno.readTextFile(join(pkg, "package.json")));
  for (const name of [...Object.keys(dependencies), "@hono/node-server", "typescript"]) {
    const link = join(dir, "node_modules", name);
    await Deno.mkdir(dirname(link), { recursive: true });
    await Deno.symlink(await Deno.realPath(join(ROOT, "node_modules", name)), link);
  }
  for (const file of HOST_FILES) {
    await Deno.copyFile(join(ROOT, "tests", "node", file), join(dir, file));
  }
  return dir;
}
