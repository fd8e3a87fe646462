/**
 * The small template language of prompt templates: `{name}` is a placeholder, `{{` and `}}` are
 * literal braces, any other brace is an error. Templates are checked when compiled (every
 * required placeholder present, no unknown one), with errors naming the source and line.
 *
 * @module
 */

/** What a template may and must hold. */
export interface PlaceholderSpec {
  /** Placeholders the template must use (each at least once). */
  required: readonly string[];
  /** Placeholders it may use. */
  optional: readonly string[];
  /**
   * Optional placeholders that stand for a whole block: a line holding only such a placeholder
   * is removed, line break included, when its value is empty.
   */
  blocks?: readonly string[];
}

/** Where a template's text came from, for error messages. */
export interface TemplateOrigin {
  /** A file path, or a label such as `prompts.user.reason.inference`. */
  source: string;
  /** Line of the template's first line in `source` (1-based). @default 1 */
  line?: number;
  /** Line reported for a missing placeholder (a file's section header). @default `line` */
  headerLine?: number;
  /** What the template is for, named in messages (e.g. `user.reason.inference`). */
  label?: string;
}

/**
 * One piece of a compiled template line: literal text, or a placeholder by name.
 *
 * @example
 * ```ts
 * import type { TemplatePart } from "./template.ts";
 * const parts: TemplatePart[] = ["Hello ", { name: "user_history" }];
 * ```
 */
export type TemplatePart = string | { name: string };

/** A checked template, ready to fill. */
export interface CompiledTemplate {
  /** The template text as written. */
  readonly text: string;
  /** Per line: literal text and placeholders in order. */
  readonly lines: readonly (readonly TemplatePart[])[];
  /** Block placeholders standing alone on their line, by line index. */
  readonly blockLines: ReadonlyMap<number, string>;
}

/**
 * A template that failed its checks; the message starts with `source:line:`.
 *
 * @example
 * ```ts
 * import { compileTemplate, TemplateError } from "./template.ts";
 * try {
 *   compileTemplate("Hi {nmae}", { required: [], optional: ["name"] }, { source: "t.txt" });
 * } catch (e) {
 *   console.log(e instanceof TemplateError, (e as Error).message); // true "t.txt:1: unknown placeholder {nmae} ..."
 * }
 * ```
 */
export class TemplateError extends Error {
  /** The file or label. */
  readonly source: string;
  /** The line (1-based) in `source`. */
  readonly line: number;
  /** Creates the error; `message` is prefixed with `source:line: `. */
  constructor(source: string, line: number, message: string) {
    super(`${source}:${line}: ${message}`);
    this.name = "TemplateError";
    this.source = source;
    this.line = line;
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function compileLine(line: string, fail: (message: string) => never): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if ((c === "{" || c === "}") && line[i + 1] === c) {
      literal += c;
      i++;
    } else if (c === "}") {
      fail(`unmatched "}" (write "}}" for a literal brace)`);
    } else if (c === "{") {
      const end = line.indexOf("}", i + 1);
      const name = end < 0 ? "" : line.slice(i + 1, end);
      if (!NAME.test(name)) {
        fail(
          `"{" does not start a placeholder {name} (write "{{" for a literal brace): ` +
            JSON.stringify(line.slice(i, i + 24)),
        );
      }
      if (literal) parts.push(literal);
      literal = "";
      parts.push({ name });
      i = end;
    } else literal += c;
  }
  if (literal) parts.push(literal);
  return parts;
}

const list = (names: Iterable<string>) => [...names].map((n) => `{${n}}`).join(", ");

/**
 * Checks a template against what its kind may and must hold, and compiles it.
 *
 * @example
 * ```ts
 * import { compileTemplate, fillTemplate } from "./template.ts";
 * const t = compileTemplate("Hello {name}, {{literal}}", { required: ["name"], optional: [] }, {
 *   source: "greeting",
 * });
 * fillTemplate(t, { name: "Ada" }); // "Hello Ada, {literal}"
 * ```
 */
export function compileTemplate(
  text: string,
  spec: PlaceholderSpec,
  origin: TemplateOrigin,
): CompiledTemplate {
  const first = origin.line ?? 1;
  const label = origin.label ? `${origin.label}: ` : "";
  const known = new Set([...spec.required, ...spec.optional]);
  const blocks = new Set(spec.blocks ?? []);
  const used = new Set<string>();
  const blockLines = new Map<number, string>();
  const lines = text.split(/\r?\n/).map((line, index) => {
    const fail = (message: string): never => {
      throw new TemplateError(origin.source, first + index, label + message);
    };
    const parts = compileLine(line, fail);
    for (const part of parts) {
      if (typeof part === "string") continue;
      if (!known.has(part.name)) {
        fail(`unknown placeholder {${part.name}}; this kind takes ${list(known)}`);
      }
      used.add(part.name);
    }
    const only = parts.length === 1 ? parts[0] : undefined;
    if (typeof only === "object" && blocks.has(only.name)) blockLines.set(index, only.name);
    return parts;
  });
  const missing = spec.required.filter((name) => !used.has(name));
  if (missing.length > 0) {
    throw new TemplateError(
      origin.source,
      origin.headerLine ?? first,
      `${label}missing placeholder${missing.length > 1 ? "s" : ""} ${list(missing)} ` +
        `(required: ${list(spec.required)})`,
    );
  }
  return { text, lines, blockLines };
}

/**
 * Fills a compiled template. Values are inserted as they are (never read as template text); a
 * missing value is a bug in the caller and throws.
 *
 * @example
 * ```ts
 * import { compileTemplate, fillTemplate } from "./template.ts";
 * const t = compileTemplate("A\n{extra}\nB", { required: [], optional: ["extra"], blocks: ["extra"] }, {
 *   source: "demo",
 * });
 * fillTemplate(t, { extra: "" }); // "A\nB"
 * ```
 */
export function fillTemplate(
  template: CompiledTemplate,
  values: Readonly<Record<string, string>>,
): string {
  const out: string[] = [];
  template.lines.forEach((parts, index) => {
    const block = template.blockLines.get(index);
    if (block !== undefined && values[block] === "") return;
    let line = "";
    for (const part of parts) {
      if (typeof part === "string") line += part;
      else {
        const value = values[part.name];
        if (value === undefined) throw new Error(`fillTemplate: no value for {${part.name}}`);
        line += value;
      }
    }
    out.push(line);
  });
  return out.join("\n");
}
