// @ts-check
/**
 * The viewer page: search, then a user's or item's stored knowledge with every round, and for a
 * user the model's scores of held-back items. Reads only the router's `/v1/*` routes (relative to
 * the page, so any mount path works), sending the bearer token when one was entered.
 *
 * @module
 */
import { el, renderEntry, renderHeldBack } from "./render.js";

const TOKEN_KEY = "r4ec-viewer-token";
/** Item titles by id, from the searches so far (the knowledge GET carries none). */
const titles = new Map();
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** A failed request, with the server's problem detail. */
class RequestError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * GETs `../v1/<path>` as JSON; a problem answer becomes a `RequestError` with its detail.
 *
 * @param {string} path
 * @returns {Promise<any>}
 */
async function api(path) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const res = await fetch(`../v1/${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (res.ok) return await res.json();
  if (res.status === 401) $("token-form").hidden = false;
  const problem = await res.json().catch(() => ({}));
  const detail = res.status === 401
    ? "This server needs a bearer token: enter it above."
    : problem.detail ?? `the server answered ${res.status}`;
  throw new RequestError(res.status, detail);
}

/**
 * @param {string} text
 * @param {"info" | "error"} [kind]
 */
function say(text, kind = "info") {
  const m = $("message");
  m.textContent = text;
  m.className = kind;
}

/** @param {"ready" | "error"} state */
function settle(state) {
  document.body.dataset.state = state;
}

/** @param {string} query */
async function search(query) {
  $("results").replaceChildren();
  $("view").replaceChildren();
  const found = await api(`search/${encodeURIComponent(query)}`);
  const hits = [
    ...found.users.map((/** @type {any} */ u) => ({
      kind: "user",
      id: u.id,
      label: `user ${u.id}`,
    })),
    ...found.items.map((/** @type {any} */ i) => ({
      kind: "item",
      id: i.id,
      label: `item ${i.id}: ${i.title}`,
    })),
  ];
  if (hits.length === 0) {
    say(
      `No user or item matches "${found.query}" (users are searched by id, items by id or title).`,
      "error",
    );
    return settle("error");
  }
  say(`${hits.length}${found.truncated ? "+" : ""} match(es) for "${found.query}".`);
  for (const i of found.items) titles.set(i.id, i.title);
  for (const h of hits) {
    const button = el("button", { type: "button" }, h.label);
    button.addEventListener("click", () => open(h.kind, h.id));
    $("results").append(el("li", {}, button));
  }
  if (hits.length === 1) open(hits[0].kind, hits[0].id);
  else settle("ready");
}

/**
 * Points the address at a user or item (shown again when it already names it).
 *
 * @param {string} kind
 * @param {string} id
 */
function open(kind, id) {
  const hash = `#${kind}/${encodeURIComponent(id)}`;
  if (location.hash === hash) route();
  else location.hash = hash;
}

/**
 * @param {"user" | "item"} kind
 * @param {string} id
 */
async function show(kind, id) {
  const view = $("view");
  view.replaceChildren();
  say(`Loading ${kind} ${id}...`);
  const path = `${kind}s/${encodeURIComponent(id)}`;
  const [answer, scores] = await Promise.all([
    api(`${path}/knowledge`),
    kind === "user" ? api(`${path}/held-back-scores`).catch((e) => e) : null,
  ]);
  const title = kind === "item" ? titles.get(id) : undefined;
  view.append(el("h2", {}, title ? `${kind} ${id}: ${title}` : `${kind} ${id}`));
  if (answer.knowledge.length === 0) {
    say(
      `No stored knowledge for ${kind} "${id}": this store holds no knowledge record for it under ` +
        `the bundle's key prefix (run deno task knowledge on this dataset, or check --store).`,
      "error",
    );
  } else {
    say(`${answer.knowledge.length} knowledge text(s) for ${kind} "${id}".`);
  }
  for (const entry of answer.knowledge) view.append(renderEntry(entry));
  if (scores instanceof Error) {
    view.append(el("p", { class: "error" }, `Held-back scores: ${scores.message}`));
  } else if (scores) view.append(renderHeldBack(scores));
  settle(answer.knowledge.length === 0 ? "error" : "ready");
}

/** Shows what the location's hash names (`#user/<id>` or `#item/<id>`). */
function route() {
  const match = /^#(user|item)\/(.+)$/.exec(location.hash);
  if (!match) return;
  let id;
  try {
    id = decodeURIComponent(match[2]);
  } catch {
    say("The address names no valid id.", "error");
    return settle("error");
  }
  show(/** @type {"user" | "item"} */ (match[1]), id).catch(fail);
}

/** @param {unknown} e */
function fail(e) {
  say(e instanceof Error ? e.message : String(e), "error");
  settle("error");
}

$("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const query = /** @type {HTMLInputElement} */ ($("query")).value.trim();
  if (query !== "") search(query).catch(fail);
});
$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, /** @type {HTMLInputElement} */ ($("token")).value);
  $("token-form").hidden = true;
  say("Token saved for this tab; search again.");
});
addEventListener("hashchange", route);
route();
if (!document.body.dataset.state) document.body.dataset.state = "loaded";
