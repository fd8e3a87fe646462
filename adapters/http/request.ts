/**
 * Request plumbing shared by the routes: JSON bodies read under a byte limit, zod validation into
 * problem details, deadlines, and a constant-time bearer-token check.
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { CLIENT_CLOSED, HttpProblem, issuesToFields, type ValidationIssue } from "./problem.ts";

/**
 * Reads a JSON request body of at most `maxBytes` bytes. An empty body gives `undefined`; a
 * declared non-JSON content type is refused (415), a larger body 413, unparsable JSON 400, and a
 * body whose stream fails (the client or the connection guard closed the connection before it
 * was complete) a {@link CLIENT_CLOSED} problem.
 *
 * @example
 * ```ts
 * import { readJsonBody } from "./request.ts";
 * const req = new Request("http://x/", {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: '{"a":1}',
 * });
 * console.log(await readJsonBody(req, 1024)); // { a: 1 }
 * ```
 */
export async function readJsonBody(req: Request, maxBytes: number): Promise<unknown> {
  const type = req.headers.get("content-type");
  if (type !== null && !/^application\/([\w.+-]*\+)?json\b/i.test(type.trim())) {
    throw new HttpProblem(
      415,
      `the body must be JSON (content-type application/json), got ${type}`,
    );
  }
  const tooLarge = () =>
    new HttpProblem(413, `the body is larger than the limit of ${maxBytes} bytes`, {
      type: "urn:r4ec:problem:body-too-large",
    });
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) throw tooLarge();
  if (!req.body) return undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read().catch(() => {
      throw new HttpProblem(
        CLIENT_CLOSED,
        `the connection closed after ${size} bytes of the body, before it was complete`,
        { type: "urn:r4ec:problem:client-closed" },
      );
    });
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  if (size === 0) return undefined;
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.length;
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new HttpProblem(400, "the body is not valid UTF-8", {
      type: "urn:r4ec:problem:malformed-json",
    });
  }
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpProblem(400, `the body is not valid JSON: ${(e as Error).message}`, {
      type: "urn:r4ec:problem:malformed-json",
    });
  }
}

/**
 * What {@link validate} needs of a schema (a zod schema has it).
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import type { SafeParser } from "./request.ts";
 * const k: SafeParser<{ k: number }> = z.object({ k: z.number() });
 * ```
 */
export interface SafeParser<T> {
  /** The parsed value, or the issues found. */
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly ValidationIssue[] } };
}

/**
 * Validates `value` with `schema`; failures become a 422 problem listing each field under `where`
 * (`body`, `path`, `query`).
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { validate } from "./request.ts";
 * const body = validate(z.object({ k: z.number() }), { k: 1 }, "body");
 * ```
 */
export function validate<T>(schema: SafeParser<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const fields = issuesToFields(parsed.error.issues, where);
    throw new HttpProblem(
      422,
      `the ${where} does not match the schema: ${fields[0].field}: ${fields[0].message}`,
      { type: "urn:r4ec:problem:validation", errors: fields },
    );
  }
  return parsed.data;
}

/**
 * Runs `work` with a signal that aborts after `ms`; past the deadline the caller gets a 504 problem
 * (the work is told to stop through the signal).
 *
 * @example
 * ```ts
 * import { withDeadline } from "./request.ts";
 * const v = await withDeadline(1000, "score", () => Promise.resolve(42));
 * ```
 */
export async function withDeadline<T>(
  ms: number,
  what: string,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const problem = new HttpProblem(504, `${what} did not finish within ${ms} ms`, {
        type: "urn:r4ec:problem:timeout",
      });
      controller.abort(problem);
      reject(problem);
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Compares a presented secret with the expected one in time independent of where they differ
 * (both are hashed first, so lengths leak nothing either).
 *
 * @example
 * ```ts
 * import { constantTimeEqual } from "./request.ts";
 * console.log(constantTimeEqual("s3cret", "s3cret")); // true
 * ```
 */
export function constantTimeEqual(presented: string, expected: string): boolean {
  const a = createHash("sha256").update(presented, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b);
}

/**
 * Checks an `Authorization: Bearer <token>` header; throws a 401 problem when it is missing or
 * wrong.
 *
 * @example
 * ```ts
 * import { checkBearer } from "./request.ts";
 * checkBearer("Bearer s3cret", "s3cret"); // passes
 * ```
 */
export function checkBearer(header: string | undefined, token: string): void {
  const challenge = { "www-authenticate": 'Bearer realm="r4ec"' };
  const match = header?.match(/^Bearer[ ]+([^\s]+)\s*$/i);
  if (!match) {
    throw new HttpProblem(401, "a bearer token is required (Authorization: Bearer <token>)", {
      type: "urn:r4ec:problem:unauthorized",
      headers: challenge,
    });
  }
  if (!constantTimeEqual(match[1], token)) {
    throw new HttpProblem(401, "the bearer token is not valid", {
      type: "urn:r4ec:problem:unauthorized",
      headers: { "www-authenticate": 'Bearer realm="r4ec", error="invalid_token"' },
    });
  }
}
