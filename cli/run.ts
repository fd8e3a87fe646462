/**
 * The shared shell of every CLI entry point: `--help`, and one-line errors with a non-zero exit.
 *
 * @module
 */
import { z } from "zod";

/**
 * Runs a CLI body. `--help`/`-h` prints `help`; a thrown error becomes one line on stderr
 * (`error: ...`, zod issues named by flag) and exit code 1 (2 for bad flags).
 *
 * @example
 * ```ts
 * import { runCli } from "./run.ts";
 * await runCli("usage: demo", async (args) => console.log(args.length));
 * ```
 */
export async function runCli(
  help: string,
  main: (args: string[]) => Promise<void>,
  args: string[] = Deno.args,
): Promise<void> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(help);
    return;
  }
  try {
    await main(args);
  } catch (e) {
    if (e instanceof z.ZodError) {
      const issues = e.issues.map((i) => `--${i.path.join(".") || "?"}: ${i.message}`);
      console.error(`error: bad flags: ${issues.join("; ")} (see --help)`);
      Deno.exit(2);
    }
    const code = (e as { code?: string }).code;
    if (code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`error: ${(e as Error).message} (see --help)`);
      Deno.exit(2);
    }
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    Deno.exit(1);
  }
}

/** True when a flag's schema (under defaults, optionals and transforms) is a boolean. */
function isBoolean(schema: z.ZodType): boolean {
  // deno-lint-ignore no-explicit-any
  let def = (schema as any).def;
  while (def && def.type !== "boolean" && (def.innerType || def.in)) {
    def = (def.innerType ?? def.in).def;
  }
  return def?.type === "boolean";
}

/**
 * The `node:util` `parseArgs` options of a flags schema: one option per key, boolean where the
 * schema is a boolean, else string (zod coerces and checks the value). The schema is the one list
 * of flags.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { flagOptions } from "./run.ts";
 * const options = flagOptions(z.object({ quick: z.boolean().default(false), seeds: z.string() }));
 * console.assert(options.quick.type === "boolean" && options.seeds.type === "string");
 * ```
 */
export function flagOptions(
  schema: z.ZodObject,
): Record<string, { type: "string" | "boolean" }> {
  return Object.fromEntries(
    Object.entries(schema.shape).map((
      [name, s],
    ) => [name, { type: isBoolean(s as z.ZodType) ? "boolean" : "string" }]),
  );
}
