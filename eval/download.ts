/**
 * Downloads a MovieLens archive from GroupLens into a cache folder, verifies it against the MD5
 * checksum GroupLens publishes beside it, and unpacks it. Used by `deno task eval` when no local
 * copy is found; never runs in tests against the real host.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { unzipSync } from "fflate";

/** Archives that can be downloaded, by dataset name. */
export const DOWNLOADS: Record<string, { archive: string; folder: string }> = {
  "ml-1m": { archive: "ml-1m.zip", folder: "ml-1m" },
  "ml-100k": { archive: "ml-100k.zip", folder: "ml-100k" },
};

/** The GroupLens download folder. */
export const GROUPLENS_URL = "https://files.grouplens.org/datasets/movielens/";

/** The default cache folder: `$R4EC_CACHE_DIR`, else `$XDG_CACHE_HOME/r4ec`, else `~/.cache/r4ec`. */
export function cacheDir(
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): string {
  return env("R4EC_CACHE_DIR") ??
    join(env("XDG_CACHE_HOME") ?? join(env("HOME") ?? ".", ".cache"), "r4ec");
}

async function fetchBytes(url: string, signal?: AbortSignal): Promise<Uint8Array> {
  const res = await fetch(url, { signal }).catch((e: unknown) => {
    throw new Error(`download of ${url} failed: ${e instanceof Error ? e.message : String(e)}`);
  });
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`download of ${url} failed: HTTP ${res.status}`);
  }
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * Downloads, verifies and unpacks a dataset; returns its folder. An existing unpacked folder is
 * reused. A checksum mismatch deletes nothing already there and keeps nothing new.
 *
 * @example
 * ```ts
 * import { downloadDataset } from "./download.ts";
 * // Needs the network (files.grouplens.org), so this only shows the call.
 * async function fetchMl100k(): Promise<string> {
 *   const dir = await downloadDataset("ml-100k", { cache: "/tmp/r4ec-cache" });
 *   console.log(dir);
 *   return dir;
 * }
 * ```
 */
export async function downloadDataset(
  dataset: string,
  options: {
    cache?: string;
    baseUrl?: string;
    signal?: AbortSignal;
    /** Whole-download timeout (default 120 s). */
    timeoutMs?: number;
    log?: (s: string) => void;
  } = {},
): Promise<string> {
  const entry = DOWNLOADS[dataset];
  if (!entry) throw new Error(`no download is known for ${dataset}`);
  const cache = options.cache ?? cacheDir();
  const target = join(cache, entry.folder);
  try {
    if ((await Deno.stat(join(target, ".complete"))).isFile) return target;
  } catch { /* not downloaded yet */ }
  const base = options.baseUrl ?? GROUPLENS_URL;
  const url = new URL(entry.archive, base).href;
  options.log?.(`downloading ${url} into ${cache}`);
  // A closed network must fail fast rather than hang the first run.
  const signal = AbortSignal.any([
    AbortSignal.timeout(options.timeoutMs ?? 120_000),
    ...(options.signal ? [options.signal] : []),
  ]);
  const [zip, md5File] = await Promise.all([
    fetchBytes(url, signal),
    fetchBytes(`${url}.md5`, signal),
  ]);
  const expected = new TextDecoder().decode(md5File).match(/\b[0-9a-f]{32}\b/i)?.[0].toLowerCase();
  if (!expected) throw new Error(`${url}.md5 holds no MD5 checksum`);
  const actual = createHash("md5").update(zip).digest("hex");
  if (actual !== expected) {
    throw new Error(`checksum mismatch for ${url}: got md5 ${actual}, GroupLens lists ${expected}`);
  }
  const files = unzipSync(zip);
  const staging = `${target}.partial-${crypto.randomUUID()}`;
  for (const [name, bytes] of Object.entries(files)) {
    if (name.endsWith("/")) continue;
    // Archives hold `<folder>/<file>`; keep the file names only, and refuse anything odd.
    const base = name.split("/").at(-1)!;
    if (!base || base.startsWith(".") || name.includes("..")) continue;
    await Deno.mkdir(staging, { recursive: true });
    await Deno.writeFile(join(staging, base), bytes);
  }
  await Deno.writeTextFile(join(staging, ".complete"), `${url} md5 ${actual}\n`);
  await Deno.remove(target, { recursive: true }).catch(() => {});
  await Deno.rename(staging, target);
  return target;
}
