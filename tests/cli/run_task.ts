/**
 * Runs one of the CLIs (`cli/<name>.ts`) as a child process, the way `deno task <name>` does.
 *
 * @module
 */

/** What a CLI run printed. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The last stderr line: a CLI's one-line error. */
  lastLine: string;
}

/**
 * Runs `cli/<name>.ts` with `args` (and extra environment variables) and collects its output.
 *
 * @example
 * ```ts
 * import { runTask } from "./run_task.ts";
 * const r = await runTask("eval", ["--epochs", "zero"]);
 * console.log(r.code, r.lastLine);
 * ```
 */
export async function runTask(
  name: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliRun> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(`../../cli/${name}.ts`, import.meta.url).pathname, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr).trim();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr,
    lastLine: stderr.split("\n").at(-1) ?? "",
  };
}
