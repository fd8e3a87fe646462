import assert from "node:assert/strict";
import { join } from "node:path";
import { llmActor } from "../../../plugins/llm_actor.ts";
import { llmReflector } from "../../../plugins/llm_reflector.ts";
import {
  PROMPT_KINDS,
  promptKind,
  renderReasonPrompt,
  renderRefinePrompt,
  renderReflectPrompt,
} from "../../../plugins/prompts/kinds.ts";
import { PROMPT_KIND_NAMES } from "../../../plugins/prompts/placeholders.ts";
import { formatReminder } from "../../../plugins/prompts/reminder.ts";
import { TemplateError } from "../../../plugins/prompts/template.ts";
import { formatPromptFile, parsePromptFile } from "../../../plugins/prompts/template_file.ts";
import {
  DEFAULT_PROMPT_TEMPLATES,
  type PromptTemplates,
  promptTemplates,
} from "../../../plugins/prompts/templates.ts";
import { scriptedGenerator } from "../scripted_generator.ts";
import { itemConstructionTask, userConstructionTask, userTask } from "../task_fixtures.ts";
import { type GoldenCase, goldenCases } from "./golden_cases.ts";

// Written by the hand-coded renderers these templates replaced (commit 40257ff), before any change.
const GOLDEN: Record<string, string> = JSON.parse(
  await Deno.readTextFile(new URL("../../fixtures/prompts_golden.json", import.meta.url)),
);
const CUSTOM_FILE = new URL("../../fixtures/prompts_custom.txt", import.meta.url).pathname;

function render(c: GoldenCase, templates?: PromptTemplates): string {
  if (c.role === "reason") return renderReasonPrompt(c.task, { templates });
  if (c.role === "reflect") {
    return renderReflectPrompt(c.task, c.knowledge!, { evidence: c.evidence, templates });
  }
  return renderRefinePrompt(c.task, c.knowledge!, c.reflection!, { templates });
}

Deno.test("built-in templates render byte-identical to the renderers they replaced", () => {
  const cases = goldenCases();
  assert.equal(cases.length, Object.keys(GOLDEN).length);
  const reread = parsePromptFile(formatPromptFile(), "defaults.txt");
  for (const c of cases) {
    assert.equal(render(c), GOLDEN[c.name], c.name);
    // The defaults written as a prompt file and read back are the same templates.
    assert.equal(render(c, reread), GOLDEN[c.name], `${c.name} (from a file)`);
  }
  assert.deepEqual(reread.custom, []);
  assert.equal(reread.fingerprint, "");
});

Deno.test("the kind record: 12 kinds, each rendering, parsing and reminding for its role and mode", () => {
  assert.equal(PROMPT_KIND_NAMES.length, 12);
  assert.deepEqual(Object.keys(PROMPT_KINDS).sort(), [...PROMPT_KIND_NAMES].sort());
  const user = userConstructionTask(1);
  const kind = promptKind(user, "reason");
  assert.equal(kind.name, "user.reason.construction");
  assert.equal(kind.render(user, {}), renderReasonPrompt(user));
  const answer = kind.parse(
    user,
    "<User Preference>Likes family films.</User Preference>\n" +
      "<Final Verdict>user will like the target movie</Final Verdict>",
  );
  assert.ok(answer.ok);
  assert.equal(answer.value.verdict, "like");
  assert.equal(kind.reminder(user, "x"), formatReminder(user, "reason", { reason: "x" }));
  assert.equal(promptKind(user, "reflect", "inference").name, "user.reflect.inference");
  const judged = PROMPT_KINDS["item.reflect.construction"].parse(
    itemConstructionTask(0),
    "<Final Judgement>The book knowledge is not reasonable</Final Judgement>" +
      "<Reflection>Too vague.</Reflection>",
  );
  assert.ok(judged.ok);
  assert.deepEqual(judged.value, { reasonable: false, reflection: "Too vague." });
});

Deno.test("custom templates: their wording, values inserted verbatim, the rest built in", () => {
  const templates = promptTemplates({
    "user.reason.inference": "Ratings of {noun}s: {user_history}\n{{not a placeholder}}",
  });
  assert.deepEqual(templates.custom, ["user.reason.inference"]);
  assert.match(templates.fingerprint, /^[0-9a-f]{16}$/);
  const braces = { ...userTask, history: [{ title: "The {noun} {{x}}", rating: 4 }] };
  assert.equal(
    renderReasonPrompt(braces, { templates }),
    "Ratings of movies: ['The {noun} {{x}}', 4]\n{not a placeholder}",
  );
  const c = userConstructionTask(1);
  assert.equal(renderReasonPrompt(c, { templates }), renderReasonPrompt(c));
  // A text equal to the built-in one is not custom.
  const same = promptTemplates({
    "user.reason.inference": DEFAULT_PROMPT_TEMPLATES.kinds["user.reason.inference"].text,
  });
  assert.deepEqual([same.custom, same.fingerprint], [[], ""]);
  // {evidence} alone on its line disappears when there is none, and only then.
  const judge = promptTemplates({
    "user.reflect.inference": "A {user_history}\n{evidence}\nB {knowledge}\n",
  });
  const opts = (evidence?: string) => ({ templates: judge, evidence });
  assert.equal(renderReflectPrompt(userTask, " K ", opts()).split("\n").length, 3);
  assert.equal(
    renderReflectPrompt(userTask, "K", opts("  ")),
    renderReflectPrompt(userTask, "K", opts()),
  );
  assert.match(
    renderReflectPrompt(userTask, "K", opts("3 of 4 right")),
    /\n<Evidence>\n3 of 4 right\n<\/Evidence>\nB K\n$/,
  );
});

Deno.test("the custom fixture file holds all 12 kinds and renders their wording", async () => {
  const templates = parsePromptFile(await Deno.readTextFile(CUSTOM_FILE), CUSTOM_FILE);
  assert.deepEqual(templates.custom, PROMPT_KIND_NAMES);
  assert.equal(templates.source, CUSTOM_FILE);
  for (const c of goldenCases()) {
    const mode = c.task.target ? "construction" : "inference";
    assert.ok(render(c, templates).startsWith(`[custom ${c.task.kind}.${c.role}.${mode}]`), c.name);
  }
});

Deno.test("template errors name the file and line", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "prompts.txt");
  const text = await Deno.readTextFile(CUSTOM_FILE);
  const lines = text.split("\n");
  const lineOf = (needle: string, from = 0) =>
    lines.findIndex((l, i) => i >= from && l.includes(needle)) + 1;
  const fails = (broken: string, pattern: RegExp) => {
    assert.throws(() => parsePromptFile(broken, path), (e: unknown) => {
      assert.ok(e instanceof TemplateError);
      assert.match((e as Error).message, pattern);
      return true;
    });
  };
  // A missing placeholder: reported at the section's header.
  const header = lineOf("=== user.refine.inference ===");
  const reflection = lineOf("{reflection}", header);
  fails(
    lines.map((l, i) => (i + 1 === reflection ? "(the reflection)" : l)).join("\n"),
    new RegExp(
      `^${
        path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
      }:${header}: user\\.refine\\.inference: missing placeholder \\{reflection\\}`,
    ),
  );
  // An unknown placeholder: reported at its own line.
  const history = lineOf("{user_history}", lineOf("=== user.reason.inference ==="));
  fails(
    lines.map((l, i) => (i + 1 === history ? "{user_histroy}" : l)).join("\n"),
    new RegExp(
      `:${history}: user\\.reason\\.inference: unknown placeholder \\{user_histroy\\}; this kind takes .*\\{user_history\\}`,
    ),
  );
  fails(
    "=== user.reason.inference ===\n{user_history} {\n",
    /:2: .*"\{" does not start a placeholder/,
  );
  fails("=== user.reason.inference ===\n{user_history} }\n", /:2: .*unmatched "\}"/);
  fails("=== user.reason.inference\n{user_history}\n", /:1: malformed section header/);
  fails(
    "# c\n=== user.reasoning.inference ===\nx\n",
    /:2: unknown prompt kind "user\.reasoning\.inference"; expected one of user\.reason\.construction/,
  );
  fails(
    "=== user.reason.inference ===\n{user_history}\n\n=== user.reason.inference ===\n{user_history}\n",
    /:4: user\.reason\.inference again \(first at line 1\)/,
  );
  fails(
    "hello\n=== user.reason.inference ===\n{user_history}\n",
    /:1: text before the first section/,
  );
  fails(
    "=== user.reason.inference ===\n\n\n=== item.reason.inference ===\nx",
    /:1: user\.reason\.inference: empty/,
  );
  fails("# only comments\n", /:1: no section/);
  // The API checks strings the same way.
  assert.throws(
    () => promptTemplates({ "item.reason.inference": "{item_title}\n{liker_history}" }),
    /^TemplateError: prompts:1: item\.reason\.inference: missing placeholder \{disliker_history\}/,
  );
  assert.throws(
    () => promptTemplates({ "user.reason.later": "x" } as never),
    /unknown prompt kind "user\.reason\.later"/,
  );
});

Deno.test("custom templates drive the LLM actor and reflector, and change their ids", async () => {
  const templates = parsePromptFile(await Deno.readTextFile(CUSTOM_FILE), CUSTOM_FILE);
  const generator = scriptedGenerator([
    "Likes animation and family adventure.",
    "<Final Judgement>The user preference is not reasonable</Final Judgement>\n<Reflection>Dislikes too.</Reflection>",
    "Likes animation; dislikes crime.",
  ]);
  const actor = llmActor({ generator, prompts: templates });
  const reflector = llmReflector({ generator, prompts: templates });
  const draft = await actor.reason(userTask);
  const critique = await reflector.reflect(userTask, draft);
  const refined = await actor.refine(userTask, draft, critique);
  assert.deepEqual(generator.prompts.map((p) => p.split("]")[0]), [
    "[custom user.reason.inference",
    "[custom user.reflect.inference",
    "[custom user.refine.inference",
  ]);
  assert.equal(generator.prompts[2], renderRefinePrompt(userTask, draft, critique, { templates }));
  assert.equal(refined.text, "Likes animation; dislikes crime.");
  assert.equal(actor.id, `llm-actor:scripted+prompts:${templates.fingerprint}`);
  assert.equal(reflector.id, `llm-reflector:scripted+prompts:${templates.fingerprint}`);
  assert.equal(llmActor({ generator }).id, "llm-actor:scripted");
});
