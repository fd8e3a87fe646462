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
