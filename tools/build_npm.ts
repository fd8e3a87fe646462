/**
 * `deno task build:npm`: the npm package in `npm/` (gitignored), ES modules for Node ≥ 20 with
 * `.d.ts` types. Each source file reachable at run time from the public entry points is transpiled
 * on its own by esbuild (the folder layout stays, so the data-parallel worker's
 * `new URL("./data_parallel_worker.js", import.meta.url)` still finds it); the declarations come
 * from the TypeScript compiler. `runtime/mod.js` selects `runtime/node.js` instead of
 * `runtime/deno.js`, and the build fails if any other emitted file still names `Deno`.
 *
 * The Deno-only entry point (`./deno`, the `Deno.serve` adapter) becomes a module that throws at
 * import, naming the Node alternative.
 *
 * @module
 */
import * as esbuild from "esbuild";
import ts from "typescript";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Where the package is written, relative to the repository root. */
export const NPM_DIR = "npm";

/** npm sub-path → source file; the same public entry points as deno.json's `exports`. */
const ENTRY_POINTS: Record<string, string> = {
  ".": "mod.ts",
  "./plugins": "plugins/mod.ts",
  "./backbone": "backbone/mod.ts",
  "./datasets": "datasets/mod.ts",
  "./http": "adapters/http/mod.ts",
};
/** Modules loaded by URL rather than imported (worker threads). */
const WORKERS = ["backbone/data_parallel_worker.ts"];
/** Folders of files that modules read beside themselves at run time, copied as they are. */
const ASSET_DIRS = ["adapters/http/ui"];
const DENO_ONLY_MESSAGE = "@r4ec/r4ec/deno is Deno-only: it serves the router with Deno.serve. " +
  'On Node, mount r4ecRouter() in @hono/node-server: import { serve } from "@hono/node-server"; ' +
  "serve({ fetch: r4ecRouter({ store, bundle }).fetch, port: 8787, hostname: '127.0.0.1' }).";

/** Relative `.ts` specifiers (static and dynamic imports, `new URL`) become `.js`. */
export function rewriteSpecifiers(code: string): string {
  return code.replace(
    /((?:from|import|new URL\()\s*\(?\s*)(["'])(\.{1,2}\/[^"'\n]*?)\.ts\2/g,
    (_m, head, quote, path) => `${head}${quote}${path}.js${quote}`,
  );
}

/** The source files the entry points reach at run time, and the npm packages they import. */
async function runtimeGraph(): Promise<{ files: string[]; packages: Set<string> }> {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [...Object.values(ENTRY_POINTS), ...WORKERS, "runtime/node.ts"],
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    packages: "external",
    outdir: "out",
    logLevel: "silent",
  });
  const packages = new Set<string>();
  for (const input of Object.values(result.metafile.inputs)) {
    for (const imp of input.imports) {
      if (imp.external && !imp.path.startsWith("node:")) packages.add(packageName(imp.path));
    }
  }
  const files = Object.keys(result.metafile.inputs).filter((f) => f !== "runtime/deno.ts");
  return { files, packages };
}

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

// esbuild keeps some JSDoc (class members'); their examples may name Deno.
function withoutComments(js: string): string {
  return js.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

async function transpile(files: string[], outDir: string): Promise<void> {
  const named: string[] = [];
  for (const file of files) {
    const source = await Deno.readTextFile(join(ROOT, file));
    const { code } = await esbuild.transform(source, {
      loader: "ts",
      format: "esm",
      target: "es2022",
      sourcefile: file,
    });
    let js = rewriteSpecifiers(code);
    if (file === "runtime/mod.ts") js = js.replaceAll('"./deno.js"', '"./node.js"');
    else if (/\bDeno\./.test(withoutComments(js))) named.push(file);
    const out = join(outDir, file.replace(/\.ts$/, ".js"));
    await Deno.mkdir(dirname(out), { recursive: true });
    await Deno.writeTextFile(out, js);
  }
  if (named.length) {
    throw new Error(`these files reach Deno.* outside runtime/: ${named.join(", ")}`);
  }
}

/** Declarations of the entry points and every module their types name, beside the `.js`. */
async function declarations(outDir: string): Promise<void> {
  const roots = [...Object.values(ENTRY_POINTS), "runtime/node.ts"].map((f) => join(ROOT, f));
  const program = ts.createProgram(roots, {
    declaration: true,
    emitDeclarationOnly: true,
    noCheck: true, // `deno task check` type-checks; this only writes declarations
    skipLibCheck: true,
    allowImportingTsExtensions: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    rootDir: ROOT,
    outDir,
    types: [],
  });
  const writes: Promise<void>[] = [];
  const result = program.emit(undefined, (path, text) => {
    if (path.endsWith("runtime/deno.d.ts")) return; // the package has no runtime/deno.js
    if (path.endsWith("runtime/mod.d.ts")) text = text.replaceAll('"./deno.ts"', '"./node.ts"');
    writes.push(
      Deno.mkdir(dirname(path), { recursive: true }).then(() =>
        Deno.writeTextFile(path, rewriteSpecifiers(text))
      ),
    );
  });
  await Promise.all(writes);
  if (result.emitSkipped) throw new Error("TypeScript skipped the declaration emit");
}

async function packageJson(packages: Set<string>): Promise<Record<string, unknown>> {
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const dependencies: Record<string, string> = {};
  for (const name of [...packages].sort()) {
    const spec: string | undefined = config.imports[name];
    const match = spec?.match(/^npm:(@?[^@]+)@(.+)$/);
    if (!match) throw new Error(`${name}: no npm: entry in deno.json's imports`);
    dependencies[name] = match[2];
  }
  const exports: Record<string, unknown> = {};
  for (const [path, file] of Object.entries({ ...ENTRY_POINTS, "./deno": "deno.ts" })) {
    const base = `./esm/${file.replace(/\.ts$/, "")}`;
    exports[path] = { types: `${base}.d.ts`, import: `${base}.js` };
  }
  return {
    name: config.name,
    version: config.version,
    description: "R4ec (reasoning, reflection and refinement of LLM knowledge) for CTR models",
    license: "MIT",
    type: "module",
    engines: { node: ">=20" },
    exports,
    dependencies,
  };
}

/** Copies the files of `from` (when it exists) into `to`, subfolders included. */
async function copyFolder(from: string, to: string): Promise<void> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(from));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  await Deno.mkdir(to, { recursive: true });
  for (const entry of entries) {
    const [src, dst] = [join(from, entry.name), join(to, entry.name)];
    await (entry.isDirectory ? copyFolder(src, dst) : Deno.copyFile(src, dst));
  }
}

/** Writes the package to `outRoot` (default `npm/` in the repository) and returns its path. */
export async function buildNpm(outRoot: string = join(ROOT, NPM_DIR)): Promise<string> {
  const outDir = join(outRoot, "esm");
  await Deno.remove(outRoot, { recursive: true }).catch(() => {});
  try {
    const { files, packages } = await runtimeGraph();
    await transpile(files, outDir);
    await declarations(outDir);
    await Deno.writeTextFile(
      join(outDir, "deno.js"),
      `throw new Error(${JSON.stringify(DENO_ONLY_MESSAGE)});\n`,
    );
    await Deno.writeTextFile(join(outDir, "deno.d.ts"), "export {};\n");
    const manifest = await packageJson(packages);
    await Deno.writeTextFile(
      join(outRoot, "package.json"),
      JSON.stringify(manifest, null, 2) + "\n",
    );
    for (const dir of ASSET_DIRS) await copyFolder(join(ROOT, dir), join(outDir, dir));
    for (const file of ["README.md", "LICENSE"]) {
      await Deno.copyFile(join(ROOT, file), join(outRoot, file));
    }
    return outRoot;
  } finally {
    await esbuild.stop();
  }
}

if (import.meta.main) {
  const started = performance.now();
  const out = await buildNpm();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`npm package in ${relative(Deno.cwd(), out) || "."} (${seconds} s)`);
}
