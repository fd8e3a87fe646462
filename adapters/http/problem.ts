/**
 * RFC 7807 problem details: the one error shape every route answers with
 * (`application/problem+json`). Bodies carry a title, a detail written for the caller, the request
 * id and, for validation failures, the offending fields; never a stack trace or an internal message.
 *
 * @module
 */
import { z } from "zod";

/**
 * Media type of problem bodies.
 *
 * @example
 * ```ts
 * import { PROBLEM_CONTENT_TYPE } from "./problem.ts";
 * const isProblem = (res: Response) => res.headers.get("content-type") === PROBLEM_CONTENT_TYPE;
 * ```
 */
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/**
 * One field that failed validation.
 *
 * @example
 * ```ts
 * import type { ProblemField } from "./problem.ts";
 * const f: ProblemField = { field: "body.user", message: "required" };
 * ```
 */
export interface ProblemField {
  /** Where in the request: `body.items[3]`, `path.id`, ... */
  field: string;
  /** What is wrong there. */
  message: string;
}

/**
 * {@link ProblemField}.
 *
 * @example
 * ```ts
 * import { ProblemFieldSchema } from "./problem.ts";
 * ProblemFieldSchema.parse({ field: "body.items[3]", message: "unknown item \"x\"" });
 * ```
 */
export const ProblemFieldSchema = z.object({
  field: z.string(),
  message: z.string(),
});

/**
 * An RFC 7807 problem body as this API writes it.
 *
 * @example
 * ```ts
 * import type { Problem } from "./problem.ts";
 * const p: Problem = { type: "about:blank", title: "Not Found", status: 404 };
 * ```
 */
export interface Problem {
  /** A URI naming the problem kind (`about:blank` when the status says it all). */
  type: string;
  /** Short, human-readable summary of the status. */
  title: string;
  /** HTTP status. */
  status: number;
  /** What went wrong, written for the caller. */
  detail?: string;
  /** The request path. */
  instance?: string;
  /** The `X-Request-Id` of the request, to find it in the server's log. */
  requestId?: string;
  /** Validation failures, one per field. */
  errors?: ProblemField[];
}

/**
 * {@link Problem}.
 *
 * @example
 * ```ts
 * import { ProblemSchema } from "./problem.ts";
 * async function read(res: Response) {
 *   return ProblemSchema.parse(await res.json());
 * }
 * ```
 */
export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  requestId: z.string().optional(),
  errors: z.array(ProblemFieldSchema).optional(),
});

/**
 * The status a request is counted and logged with when its client closed the connection before
 * the request body arrived (nginx's 499; no client reads the answer).
 *
 * @example
 * ```ts
 * import { CLIENT_CLOSED, HttpProblem } from "./problem.ts";
 * const gone = new HttpProblem(CLIENT_CLOSED, "the client closed the connection");
 * ```
 */
export const CLIENT_CLOSED = 499;

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  [CLIENT_CLOSED]: "Client Closed Request",
  500: "Internal Server Error",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/**
 * An error a handler throws to answer with a problem; the router's error handler renders it.
 * Anything else thrown becomes a generic 500 whose body says nothing about the cause.
 *
 * @example
 * ```ts
 * import { HttpProblem } from "./problem.ts";
 * const unknown = new HttpProblem(404, "unknown user \"42\"", { type: "urn:r4ec:problem:unknown-user" });
 * console.log(unknown.status, unknown.type); // a handler throws it; the router answers with it
 * ```
 */
export class HttpProblem extends Error {
  /** HTTP status. */
  readonly status: number;
  /** Problem type URI. */
  readonly type: string;
  /** Field-level details. */
  readonly errors?: ProblemField[];
  /** Extra response headers (e.g. `WWW-Authenticate`, `Retry-After`). */
  readonly headers?: Record<string, string>;

  /**
   * A problem answered with `status` and `detail`.
   *
   * @param status HTTP status.
   * @param detail What went wrong, written for the caller.
   * @param options Problem type URI, field-level details, extra headers.
   */
  constructor(
    status: number,
    detail: string,
    options: { type?: string; errors?: ProblemField[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = "HttpProblem";
    this.status = status;
    this.type = options.type ?? "about:blank";
    this.errors = options.errors;
    this.headers = options.headers;
  }
}

/**
 * Renders a problem response.
 *
 * @example
 * ```ts
 * import { problemResponse } from "./problem.ts";
 * const res = problemResponse({ status: 404, detail: "no such route", instance: "/x" });
 * console.log(res.headers.get("content-type")); // application/problem+json
 * ```
 */
export function problemResponse(
  problem: Partial<Problem> & { status: number },
  headers: Record<string, string> = {},
): Response {
  const body: Problem = {
    type: problem.type ?? "about:blank",
    title: problem.title ?? TITLES[problem.status] ?? "Error",
    status: problem.status,
    ...(problem.detail !== undefined ? { detail: problem.detail } : {}),
    ...(problem.instance !== undefined ? { instance: problem.instance } : {}),
    ...(problem.requestId !== undefined ? { requestId: problem.requestId } : {}),
    ...(problem.errors !== undefined ? { errors: problem.errors } : {}),
  };
  return new Response(JSON.stringify(body), {
    status: problem.status,
    headers: { ...headers, "content-type": PROBLEM_CONTENT_TYPE },
  });
}

/**
 * One validation issue as zod reports it: where in the value, and what is wrong.
 *
 * @example
 * ```ts
 * import type { ValidationIssue } from "./problem.ts";
 * const issue: ValidationIssue = { path: ["items", 3], message: "expected string" };
 * ```
 */
export interface ValidationIssue {
  /** Where in the value (object keys and array indices). */
  readonly path: readonly PropertyKey[];
  /** What is wrong there. */
  readonly message: string;
}

/**
 * Converts validation issues (zod's) to problem fields, prefixed with where the value came from.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { issuesToFields } from "./problem.ts";
 * const r = z.object({ k: z.number() }).safeParse({ k: "x" });
 * if (!r.success) console.log(issuesToFields(r.error.issues, "body")); // [{ field: "body.k", ... }]
 * ```
 */
export function issuesToFields(
  issues: readonly ValidationIssue[],
  where: string,
): ProblemField[] {
  return issues.slice(0, 20).map((issue) => {
    let field = where;
    for (const part of issue.path) {
      field += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
    }
    return { field, message: issue.message };
  });
}

// The interfaces and their schemas are the same types (a mismatch fails `deno check`).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameTypes: [
  Same<z.output<typeof ProblemFieldSchema>, ProblemField>,
  Same<z.output<typeof ProblemSchema>, Problem>,
] = [true, true];
void sameTypes;
