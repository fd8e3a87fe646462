/**
 * A `deno lint` plugin that enforces the size limits of the architecture issue, so they are
 * measured mechanically and checked in CI (which runs `deno lint`) instead of by eye: no source
 * file over {@link MAX_FILE_LINES} lines and no function over {@link MAX_FUNCTION_LINES} lines.
 * A file or function past them holds more than one concept and should be split, so a reviewer
 * never has to scroll through one thing. Tests and benchmarks (`tests/`, `bench/`) are exempt:
 * their length is the cases they list.
 *
 * Lines are counted mechanically: a function's from the start of its node (declarations,
 * expressions, arrows, methods) to its end, a file's as its line breaks (what `wc -l` says).
 * Registered in `deno.json` (`lint.plugins`); the rules are `size/function-length` and
 * `size/file-length`.
 *
 * @example
 * ```ts
 * import plugin from "./size_lint.ts";
 * const body = Array.from({ length: 130 }, (_, i) => `  const v${i} = ${i};`).join("\n");
 * const diagnostics = Deno.lint.runPlugin(plugin, "long.ts", `function f() {\n${body}\n}\n`);
 * console.log(diagnostics[0].id); // "size/function-length"
 * ```
 *
 * @module
 */

/** Longest function, in lines, allowed outside `tests/` and `bench/`. */
export const MAX_FUNCTION_LINES = 120;

/** Longest source file, in lines, allowed outside `tests/` and `bench/`. */
export const MAX_FILE_LINES = 600;

/** Top-level folders of the project whose files the size rules do not check. */
const EXEMPT_FOLDERS = ["tests", "bench"];

/** The project's root folder (this file is in `tools/`), as a path ending in `/`. */
const ROOT = decodeURIComponent(new URL("../", import.meta.url).pathname)
  .replace(/^\/([A-Za-z]:)/, "$1");

/** True for a file in one of {@link EXEMPT_FOLDERS}, by its path from the project's root. */
function isExempt(filename: string): boolean {
  const path = filename.replaceAll("\\", "/");
  const fromRoot = path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
  return EXEMPT_FOLDERS.includes(fromRoot.split("/")[0]);
}

/** Lines spanned by `text[start, end)`: one plus the line breaks inside it. */
function linesSpanned(text: string, start: number, end: number): number {
  let lines = 1;
  for (let i = start; i < end; i++) if (text.charCodeAt(i) === 10) lines++;
  return lines;
}

/** Lines of a whole file; a final line break does not start another line. */
function fileLines(text: string): number {
  if (text.length === 0) return 0;
  const spanned = linesSpanned(text, 0, text.length);
  return text.endsWith("\n") ? spanned - 1 : spanned;
}

const functionLength: Deno.lint.Rule = {
  create(ctx) {
    if (isExempt(ctx.filename)) return {};
    const check = (
      node:
        | Deno.lint.FunctionDeclaration
        | Deno.lint.FunctionExpression
        | Deno.lint.ArrowFunctionExpression,
    ) => {
      const [start, end] = node.range;
      const lines = linesSpanned(ctx.sourceCode.text, start, end);
      if (lines <= MAX_FUNCTION_LINES) return;
      ctx.report({
        node,
        message: `function of ${lines} lines (at most ${MAX_FUNCTION_LINES})`,
        hint: "split it into functions that each do one thing",
      });
    };
    return {
      FunctionDeclaration: check,
      FunctionExpression: check,
      ArrowFunctionExpression: check,
    };
  },
};

const fileLength: Deno.lint.Rule = {
  create(ctx) {
    if (isExempt(ctx.filename)) return {};
    return {
      Program(node) {
        const lines = fileLines(ctx.sourceCode.text);
        if (lines <= MAX_FILE_LINES) return;
        ctx.report({
          // The whole program would underline every line: point at the first one.
          range: [node.range[0], node.range[0] + 1],
          message: `file of ${lines} lines (at most ${MAX_FILE_LINES})`,
          hint: "split it by concept, one concept per file",
        });
      },
    };
  },
};

/** The `size` lint plugin: rules `size/function-length` and `size/file-length`. */
const plugin: Deno.lint.Plugin = {
  name: "size",
  rules: { "function-length": functionLength, "file-length": fileLength },
};

export default plugin;
