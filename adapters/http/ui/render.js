// @ts-check
/**
 * The viewer's DOM: every value from the server goes in as text (`textContent`, `createElement`),
 * never as markup, so an id or a knowledge text holding markup shows as written and runs nothing.
 *
 * @module
 */
import { wordDiff } from "./word_diff.js";

/**
 * An element with attributes and children (strings become text nodes).
 *
 * @example
 * ```js
 * import { el } from "./render.js";
 * document.body.append(el("p", { class: "meta" }, "3 rounds"));
 * ```
 *
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {...(Node | string | null | undefined)} children
 * @returns {HTMLElement}
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) {
    if (c !== null && c !== undefined) {
      node.append(typeof c === "string" ? document.createTextNode(c) : c);
    }
  }
  return node;
}

/**
 * One knowledge entry of a knowledge GET: the kept text, then every round side by side (draft,
 * verdict with its evidence, critique, refinement) with the word diff of draft and refinement.
 *
 * @example
 * ```js
 * import { renderEntry } from "./render.js";
 * // document.body.append(renderEntry(answer.knowledge[0]));
 * ```
 *
 * @param {any} entry
 * @returns {HTMLElement}
 */
export function renderEntry(entry) {
  const rounds = entry.rounds ?? [];
  const tokens = rounds.reduce(
    (/** @type {number} */ sum, /** @type {any} */ r) =>
      sum + usageTotal(r.draft?.usage) + usageTotal(r.critique?.usage),
    0,
  );
  const box = el(
    "article",
    { class: "entry", "data-key": String(entry.key) },
    el("h3", {}, `Knowledge ${entry.key}`),
    el(
      "p",
      { class: "meta" },
      `${rounds.length} stored round(s), ${tokens} tokens in all; ${
        entry.runId ? `run ${entry.runId}` : "no run recorded"
      }; ` +
        `vector ${entry.vector.encoderId} (${entry.vector.stored ? "stored" : "embedded on read"})`,
    ),
    el("h4", {}, "Kept text"),
    el("p", { class: "final" }, entry.text),
  );
  const reflected = rounds.filter((/** @type {any} */ r) => r.critique);
  if (reflected.length === 0 && rounds[0]) {
    box.append(
      el(
        "p",
        { class: "meta" },
        "No reflection ran on this knowledge: its draft is the kept text.",
      ),
    );
  }
  for (const r of reflected) {
    const next = rounds.find((/** @type {any} */ x) => x.round === r.round + 1);
    box.append(renderRound(r, next));
  }
  return box;
}

/**
 * @param {any} round
 * @param {any} next the round after it (its draft is the refinement), if any
 * @returns {HTMLElement}
 */
function renderRound(round, next) {
  const c = round.critique;
  const verdict = el(
    "div",
    { class: "verdict" },
    el("h4", {}, "Verdict"),
    el(
      "p",
      { class: c.reasonable ? "verdict-ok" : "verdict-revise" },
      c.reasonable ? "reasonable: kept" : "not reasonable: refine",
    ),
    el("p", { class: "meta" }, draftMeta(c)),
    c.parseFailure ? el("p", { class: "meta" }, `parse failure: ${c.parseFailure}`) : null,
    c.evidence ? renderEvidence(c.evidence) : el("p", { class: "meta" }, "no evidence recorded"),
  );
  const refinement = next
    ? el(
      "div",
      {},
      el("h4", {}, `Refinement (round ${next.round})`),
      el("p", {}, next.draft.text),
      el("p", { class: "meta" }, draftMeta(next.draft)),
    )
    : el(
      "div",
      {},
      el("h4", {}, "Refinement"),
      el(
        "p",
        { class: "meta" },
        c.reasonable ? "none: the draft was judged reasonable" : "none stored",
      ),
    );
  const section = el(
    "section",
    { class: "round", "data-round": String(round.round) },
    el("h4", {}, `Round ${round.round}`),
    el(
      "div",
      { class: "rounds" },
      el(
        "div",
        {},
        el("h4", {}, `Draft (round ${round.round})`),
        el("p", {}, round.draft.text),
        el("p", { class: "meta" }, draftMeta(round.draft)),
        round.draft.verdict
          ? el("p", { class: "meta" }, `actor's verdict on the target: ${round.draft.verdict}`)
          : null,
      ),
      verdict,
      el(
        "div",
        {},
        el("h4", {}, "Critique"),
        el("p", {}, c.feedback || "(no feedback: reasonable)"),
      ),
      refinement,
    ),
  );
  if (next) {
    section.append(
      el("h4", {}, "Word diff, draft to refinement"),
      renderDiff(round.draft.text, next.draft.text),
    );
  }
  return section;
}

/**
 * The word diff of two texts: deleted words in `<del>`, inserted in `<ins>`.
 *
 * @example
 * ```js
 * import { renderDiff } from "./render.js";
 * document.body.append(renderDiff("likes old films", "likes new films"));
 * ```
 *
 * @param {string} before
 * @param {string} after
 * @returns {HTMLElement}
 */
export function renderDiff(before, after) {
  const p = el("p", { class: "diff" });
  for (const run of wordDiff(before, after)) {
    p.append(run.op === "same" ? document.createTextNode(run.text) : el(run.op, {}, run.text), " ");
  }
  return p;
}

/**
 * A critique's evidence: the held-back interactions a grounded check asked the actor about and
 * how each came out, and any other evidence as JSON text.
 *
 * @param {Record<string, unknown>} evidence
 * @returns {HTMLElement}
 */
function renderEvidence(evidence) {
  const box = el("div", { class: "evidence" });
  const { method, accuracy, threshold, held, correct, cases, ...rest } =
    /** @type {any} */ (evidence);
  if (Array.isArray(cases)) {
    box.append(el(
      "p",
      { class: "meta" },
      `${
        method ?? "grounded"
      } check: ${correct} of ${held} held-back interactions predicted correctly` +
        (typeof accuracy === "number"
          ? ` (${Math.round(accuracy * 100)}%, pass mark ${Math.round(threshold * 100)}%)`
          : " (nothing to hold back)"),
    ));
    const head = el(
      "tr",
      {},
      ...["held back", "item", "rating", "truth", "actor said", "correct"].map((h) =>
        el("th", {}, h)
      ),
    );
    const rows = cases.map((/** @type {any} */ k) =>
      el(
        "tr",
        { class: "case" },
        el("td", {}, k.role === "history" ? `own history #${k.index ?? "?"}` : `a ${k.role}`),
        el("td", {}, k.title ?? (k.item !== undefined ? `item #${k.item}` : "")),
        el("td", { class: "num" }, k.rating !== undefined ? String(k.rating) : ""),
        el("td", {}, k.label === 1 ? "like" : "dislike"),
        el("td", {}, k.predicted ?? "no answer"),
        el("td", {}, k.correct ? "yes" : "no"),
      )
    );
    box.append(el("table", {}, head, ...rows));
  }
  const other = Array.isArray(cases) ? rest : evidence;
  if (Object.keys(other).length > 0) box.append(el("pre", {}, JSON.stringify(other, null, 1)));
  return box;
}

/**
 * The held-back scores of a user: each held-back item's score with and without the knowledge.
 *
 * @example
 * ```js
 * import { renderHeldBack } from "./render.js";
 * // document.body.append(renderHeldBack(await (await fetch("../v1/users/1/held-back-scores")).json()));
 * ```
 *
 * @param {any} scores
 * @returns {HTMLElement}
 */
export function renderHeldBack(scores) {
  const head = el(
    "tr",
    {},
    ...[
      "item",
      "title",
      "rating",
      "liked",
      "in knowledge window",
      "with knowledge",
      "without",
      "change",
    ].map((h) => el("th", {}, h)),
  );
  const rows = scores.items.map((/** @type {any} */ r) =>
    el(
      "tr",
      { class: "held-back" },
      el("td", {}, r.item),
      el("td", {}, r.title),
      el("td", { class: "num" }, String(r.rating)),
      el("td", {}, r.liked ? "yes" : "no"),
      el("td", {}, r.inKnowledgeWindow ? "yes" : "no"),
      el("td", { class: "num" }, r.withKnowledge.toFixed(4)),
      el("td", { class: "num" }, r.withoutKnowledge.toFixed(4)),
      el("td", { class: "num" }, (r.withKnowledge - r.withoutKnowledge).toFixed(4)),
    )
  );
  return el(
    "section",
    { id: "held-back" },
    el(
      "h3",
      {},
      `Model scores of held-back items (${scores.model}; user knowledge: ${scores.userKnowledge})`,
    ),
    el("p", { class: "meta" }, scores.note),
    scores.items.length
      ? el("table", {}, head, ...rows)
      : el("p", {}, "The bundle holds no history for this user."),
  );
}

/**
 * @param {any} usage
 * @returns {number}
 */
function usageTotal(usage) {
  return usage ? (usage.prompt ?? 0) + (usage.completion ?? 0) : 0;
}

/**
 * @param {any} d a draft or a critique
 * @returns {string}
 */
function draftMeta(d) {
  const u = d.usage ?? { prompt: 0, completion: 0 };
  return `${d.author}: ${u.prompt} prompt + ${u.completion} completion tokens, ${
    Math.round(d.latencyMs ?? 0)
  } ms`;
}
