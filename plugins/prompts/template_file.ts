/**
 * The prompt file format (`--prompts FILE`): a text file with one section per kind it replaces.
 *
 * ```text
 * # Lines before the first section are comments (# ...) or blank.
 * === user.reason.inference ===
 * You are a recommender. Here is what the user rated:
 * {user_history}
 * Describe the user's taste in {noun}s.
 *
 * === item.reason.inference ===
 * ...
 * ```
 *
 * A header is a line `=== <kind> ===` naming one of the 12 kinds; the template is every line
 * up to the next header, blank lines at its start and end dropped. Kinds without a section keep
 * their built-in template. Inside a template `{name}` is a placeholder and `{{` / `}}` are literal
 * braces.
 *
 * @module
 */
import { PROMPT_KIND_NAMES, type PromptKindName } from "./placeholders.ts";
import { TemplateError } from "./template.ts";
import { DEFAULT_PROMPT_TEMPLATES, type PromptTemplates, promptTemplates } from "./templates.ts";

const HEADER = /^===\s*(.*?)\s*===\s*$/;

interface Section {
  name: PromptKindName;
  header: number;
  lines: string[];
}

function sections(text: string, path: string): Section[] {
  const found: Section[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((line, index) => {
    const at = index + 1;
    if (line.startsWith("===")) {
      const name = HEADER.exec(line)?.[1];
      if (name === undefined) {
        throw new TemplateError(path, at, `malformed section header; write "=== <kind> ==="`);
      }
      if (!PROMPT_KIND_NAMES.includes(name as PromptKindName)) {
        throw new TemplateError(
          path,
          at,
          `unknown prompt kind ${JSON.stringify(name)}; expected one of ${
            PROMPT_KIND_NAMES.join(", ")
          }`,
        );
      }
      const twice = found.find((s) => s.name === name);
      if (twice) {
        throw new TemplateError(path, at, `${name} again (first at line ${twice.header})`);
      }
      found.push({ name: name as PromptKindName, header: at, lines: [] });
    } else if (found.length > 0) found.at(-1)!.lines.push(line);
    else if (line.trim() !== "" && !line.startsWith("#")) {
      throw new TemplateError(
        path,
        at,
        `text before the first section header "=== <kind> ==="; comments start with #`,
      );
    }
  });
  if (found.length === 0) {
    throw new TemplateError(path, 1, `no section; a section starts with "=== <kind> ==="`);
  }
  return found;
}

/**
 * Reads a prompt file's text into a template set, checking every template: an error names the
 * file and line (`prompts.txt:14: user.refine.inference: missing placeholder {reflection} ...`).
 *
 * @example
 * ```ts
 * import { parsePromptFile } from "./template_file.ts";
 * const templates = parsePromptFile(
 *   "=== user.reason.inference ===\nRatings: {user_history}\nDescribe the user.\n",
 *   "prompts.txt",
 * );
 * console.log(templates.custom, templates.source); // ["user.reason.inference"] "prompts.txt"
 * ```
 */
export function parsePromptFile(text: string, path: string): PromptTemplates {
  const texts: Partial<Record<PromptKindName, string>> = {};
  const lines: Partial<Record<PromptKindName, { first: number; header: number }>> = {};
  for (const section of sections(text, path)) {
    let start = 0, end = section.lines.length;
    while (start < end && section.lines[start].trim() === "") start++;
    while (end > start && section.lines[end - 1].trim() === "") end--;
    if (start === end) throw new TemplateError(path, section.header, `${section.name}: empty`);
    texts[section.name] = section.lines.slice(start, end).join("\n");
    lines[section.name] = { first: section.header + 1 + start, header: section.header };
  }
  return promptTemplates(texts, { source: path, lines });
}

/**
 * Writes a template set in the prompt file format (default: the built-in templates, a starting
 * point for your own). `parsePromptFile` reads it back to the same templates.
 *
 * @example
 * ```ts
 * import { formatPromptFile } from "./template_file.ts";
 * const text = formatPromptFile(); // save it, edit the kinds you want, pass it to --prompts
 * console.log(text.split("\n")[3]); // "=== user.reason.construction ==="
 * ```
 */
export function formatPromptFile(templates: PromptTemplates = DEFAULT_PROMPT_TEMPLATES): string {
  const head = [
    "# r4ec prompt templates: one section per kind (=== <kind> ===); {name} is a placeholder,",
    "# {{ and }} are literal braces. Kinds left out keep their built-in template.",
  ];
  const body = PROMPT_KIND_NAMES.map((name) => `=== ${name} ===\n${templates.kinds[name].text}\n`);
  return `${head.join("\n")}\n\n${body.join("\n")}`;
}
