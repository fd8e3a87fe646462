import assert from "node:assert/strict";
import { checkAnswer } from "./checked_answers.ts";

const json = { "content-type": "application/json" };
const problemType = { "content-type": "application/problem+json" };
const health = {
  status: "ok",
  model: "din",
  dataset: "synthetic",
  items: 60,
  users: 40,
  encoder: "hashing:v1:d256",
  knowledgeGeneration: false,
  cachedVectors: 0,
  uptimeSeconds: 0.5,
};
const answer = (body: unknown, status = 200, headers: Record<string, string> = json) =>
  new Response(JSON.stringify(body), { status, headers });

Deno.test("checkAnswer: a body that matches its route's schema passes", async () => {
  await checkAnswer("GET", "/healthz", answer(health), false);
  const problem = { type: "about:blank", title: "Not Found", status: 404, detail: "no route" };
  await checkAnswer("GET", "/v1/users/42/knowledge", answer(problem, 404, problemType), false);
  await checkAnswer("GET", "/nothing-here", answer(problem, 404, problemType), false);
});

Deno.test("checkAnswer: a handler that drifts from its declared shape fails", async () => {
  // An undocumented field, a missing one, a wrong type.
  await assert.rejects(
    checkAnswer("GET", "/healthz", answer({ ...health, extra: 1 }), false),
    /does not declare/,
  );
  const { encoder: _, ...missing } = health;
  await assert.rejects(checkAnswer("GET", "/healthz", answer(missing), false));
  await assert.rejects(checkAnswer("GET", "/healthz", answer({ ...health, items: "60" }), false));
  // Not JSON where JSON is declared.
  await assert.rejects(
    checkAnswer("GET", "/healthz", answer(health, 200, { "content-type": "text/plain" }), false),
  );
});

Deno.test("checkAnswer: problems must be documented statuses with problem bodies", async () => {
  const conflict = { type: "urn:r4ec:problem:in-progress", title: "Conflict", status: 409 };
  // 409 is documented for the knowledge runs, not for scoring.
  await checkAnswer("POST", "/v1/knowledge/users/42", answer(conflict, 409, problemType), false);
  await assert.rejects(
    checkAnswer("POST", "/v1/score", answer(conflict, 409, problemType), false),
    /not documented/,
  );
  // 401 is documented only when the router requires a token.
  const unauthorized = {
    type: "urn:r4ec:problem:unauthorized",
    title: "Unauthorized",
    status: 401,
  };
  await checkAnswer("POST", "/v1/score", answer(unauthorized, 401, problemType), true);
  await assert.rejects(
    checkAnswer("POST", "/v1/score", answer(unauthorized, 401, problemType), false),
    /not documented/,
  );
  // A problem body with a field the problem schema lacks, or the wrong media type.
  await assert.rejects(
    checkAnswer(
      "POST",
      "/v1/score",
      answer({ ...unauthorized, stack: "at x.ts:1" }, 401, problemType),
      true,
    ),
  );
  await assert.rejects(checkAnswer("POST", "/v1/score", answer(unauthorized, 401), true));
});
