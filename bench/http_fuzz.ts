/**
 * A fuzz run of the served router over real HTTP on 127.0.0.1: `cli/serve.ts` (connection guard
 * included) on the small serving fixture of the HTTP tests (synthetic data, R4 knowledge from the
 * profile actor, a trained DIN bundle), with a bearer token and short read deadlines, is sent
 * `--cases N` malformed requests (default 1,000), each on its own connection, drawn from the kinds
 * below with a seeded generator: invented and wrong methods, broken and off-schema JSON, wrong
 * media types, over-long and badly encoded ids, oversized bodies, bad tokens, protocol junk the
 * HTTP parser must refuse, clients that vanish mid-body, and stalled heads and bodies.
 *
 * It prints (and with `--out FILE` writes) a Markdown report: answers by status, by kind, the 5xx
 * count (must be 0), the server's RSS and `/metrics` size before and after, and what the server
 * logged. Exits 1 on any 5xx answer or logged stack trace. Recorded results:
 * bench/results/http_fuzz.md.
 *
 * `deno run -A bench/http_fuzz.ts [--cases N] [--seed S] [--concurrency C] [--out FILE]`
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { MAX_ID_LENGTH } from "../adapters/http/request_schemas.ts";
import { servingFixture } from "../tests/adapters/http/serving_fixture.ts";

const TOKEN = "fuzz-token-0123456789";
const HEADER_TIMEOUT_MS = 1_000, BODY_TIMEOUT_MS = 500, MAX_BODY = 64 * 1024;

/** One fuzz case: the bytes sent and what the client does after. */
interface Case {
  kind: string;
  bytes: Uint8Array;
  /** `answer`: read the answer; `vanish`: close right after sending; `stall`: wait, sending nothing more. */
  then: "answer" | "vanish" | "stall";
}

const encoder = new TextEncoder();
const concat = (...parts: (string | Uint8Array)[]) => {
  const bytes = parts.map((p) => typeof p === "string" ? encoder.encode(p) : p);
  const out = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
  let offset = 0;
  for (const b of bytes) (out.set(b, offset), offset += b.length);
  return out;
};

/** A request with `Connection: close`, the token, and `body` with its Content-Length. */
function request(
  method: string,
  path: string,
  body?: string | Uint8Array,
  headers: Record<string, string> = {},
): Uint8Array {
  const b = body === undefined ? undefined : typeof body === "string" ? encoder.encode(body) : body;
  const all: Record<string, string> = {
    host: "127.0.0.1",
    connection: "close",
    authorization: `Bearer ${TOKEN}`,
    ...(b ? { "content-type": "application/json", "content-length": String(b.length) } : {}),
    ...headers,
  };
  const head = Object.entries(all).filter(([, v]) => v !== "").map(([k, v]) => `${k}: ${v}\r\n`);
  return concat(`${method} ${path} HTTP/1.1\r\n`, ...head, "\r\n", b ?? new Uint8Array());
}

/** The case generators, by kind. `pick` draws from a list, `int` below a bound. */
function generators(
  ids: { user: string; item: string },
  pick: <T>(xs: readonly T[]) => T,
  int: (n: number) => number,
): Record<string, () => Case> {
  const known = [
    "/healthz",
    "/metrics",
    "/openapi.json",
    "/v1/score",
    "/v1/rank",
    `/v1/users/${ids.user}/knowledge`,
    `/v1/items/${ids.item}/knowledge`,
    `/v1/knowledge/users/${ids.user}`,
    `/v1/knowledge/items/${ids.item}`,
  ];
  const score = (body: unknown) => JSON.stringify(body);
  const answer = (kind: string, bytes: Uint8Array): Case => ({ kind, bytes, then: "answer" });
  const token = () =>
    Array.from(
      { length: 1 + int(12) },
      () => pick([..."ABCDEFGHIJKLMNOPQRSTUVWXYZ!#$%&'*+-.^_`|~0123456789"]),
    ).join("");
  return {
    "invented method": () =>
      answer("invented method", request(token(), pick([...known, `/no/such/${int(1e6)}`]))),
    "wrong method": () => {
      const path = pick(known);
      const post = /^\/v1\/(score|rank|knowledge\/)/.test(path);
      const method = pick(
        post ? ["GET", "PUT", "DELETE", "PATCH"] : ["POST", "PUT", "DELETE", "PATCH"],
      );
      return answer("wrong method", request(method, path));
    },
    "broken JSON": () =>
      answer(
        "broken JSON",
        request(
          "POST",
          pick(["/v1/score", "/v1/rank", `/v1/knowledge/items/${ids.item}`]),
          pick<string | Uint8Array>([
            '{"user": "1", "items": [',
            "{",
            "[".repeat(20_000),
            '{"user": NaN, "items": [1e999]}',
            "\u0000\u0001\u0002",
            Uint8Array.of(0xff, 0xfe, 0x7b, 0x7d),
            '{"user":"1","items":["1"]}garbage',
            "'single quotes'",
            `{"user": "${"\\u".repeat(100)}"}`,
          ]),
        ),
      ),
    "off-schema JSON": () =>
      answer(
        "off-schema JSON",
        request(
          "POST",
          pick(["/v1/score", "/v1/rank"]),
          pick([
            "{}",
            "null",
            "[]",
            '"text"',
            score({ user: [1], items: [ids.item] }),
            score({ user: -1, items: [ids.item] }),
            score({ user: 1.5, items: [ids.item] }),
            score({ user: "", items: [ids.item] }),
            score({ user: ids.user, items: [] }),
            score({ user: ids.user, items: Array.from({ length: 1001 }, () => ids.item) }),
            score({ user: ids.user, items: [ids.item], history: [{ item: ids.item, rating: 99 }] }),
            score({ user: ids.user, items: [ids.item], history: "x" }),
            score({ user: ids.user, items: [ids.item], k: -3 }),
            score({ user: ids.user, items: [ids.item], extra: { deep: [1, 2, 3] } }),
            score({ user: ids.user, items: [{ nested: true }] }),
            score({ user: ids.user, items: ["no-such-item"] }),
          ]),
        ),
      ),
    "wrong media type": () =>
      answer(
        "wrong media type",
        request("POST", "/v1/score", score({ user: ids.user, items: [ids.item] }), {
          "content-type": pick([
            "text/plain",
            "multipart/form-data; boundary=x",
            "application/xml",
            "application/x-www-form-urlencoded",
          ]),
        }),
      ),
    "long or odd id": () =>
      answer(
        "long or odd id",
        pick([
          () => request("GET", `/v1/users/${"u".repeat(MAX_ID_LENGTH + 1 + int(5_000))}/knowledge`),
          () =>
            request(
              "GET",
              `/v1/items/${encodeURIComponent("€".repeat(MAX_ID_LENGTH + 1))}/knowledge`,
            ),
          () =>
            request(
              "GET",
              pick([
                "/v1/users/%ZZ/knowledge",
                "/v1/items/%E0%A4/knowledge",
                "/v1/users/%00/knowledge",
                "/v1/items/..%2F..%2Fetc/knowledge",
                "/v1/users//knowledge",
              ]),
            ),
          () => request("POST", `/v1/knowledge/users/${"x".repeat(300 + int(3_000))}`, "{}"),
          () =>
            request(
              "POST",
              "/v1/score",
              score({ user: "u".repeat(MAX_ID_LENGTH + 1), items: [ids.item] }),
            ),
          () => request("GET", `/v1/users/${ids.user}/knowledge?${"q=%ZZ&".repeat(50)}`),
          () => request("GET", `/v1/users/${"a/".repeat(500)}knowledge`),
        ])(),
      ),
    "oversized body": () =>
      pick([
        () =>
          answer(
            "oversized body",
            request("POST", "/v1/score", undefined, {
              "content-type": "application/json",
              "content-length": String(10_000_000),
            }),
          ),
        () =>
          answer(
            "oversized body",
            concat(
              "POST /v1/score HTTP/1.1\r\nhost: x\r\nconnection: close\r\n",
              `authorization: Bearer ${TOKEN}\r\ncontent-type: application/json\r\n`,
              "transfer-encoding: chunked\r\n\r\n",
              ...Array.from({ length: 3 }, () => `8000\r\n${"a".repeat(0x8000)}\r\n`),
              "0\r\n\r\n",
            ),
          ),
      ])(),
    "bad token": () =>
      answer(
        "bad token",
        request(pick(["GET", "POST"]), pick(known.slice(1)), undefined, {
          authorization: pick([
            "",
            "Bearer",
            "Bearer wrong",
            "Basic Zm9vOmJhcg==",
            `Bearer ${TOKEN} extra`,
            "bearer " + "x".repeat(5_000),
          ]),
        }),
      ),
    "protocol junk": () =>
      answer(
        "protocol junk",
        pick<Uint8Array>([
          crypto.getRandomValues(new Uint8Array(64 + int(512))),
          encoder.encode("GET / HTTP/9.9\r\nhost: x\r\n\r\n"),
          encoder.encode("GET /healthz HTTP/1.1\r\nno colon here\r\n\r\n"),
          encoder.encode("POST /v1/score HTTP/1.1\r\nhost: x\r\ncontent-length: abc\r\n\r\n"),
          encoder.encode(
            "POST /v1/score HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\ncontent-length: 4\r\n\r\nabcd",
          ),
          encoder.encode("POST /v1/score HTTP/1.1\r\nhost: x\r\ntransfer-encoding: gzip\r\n\r\n"),
          encoder.encode(
            "POST /v1/score HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\ncontent-length: 5\r\n\r\n0\r\n\r\n",
          ),
          encoder.encode(
            "POST /v1/score HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
          ),
          encoder.encode(
            `GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${"h".repeat(100_000)}\r\n\r\n`,
          ),
          encoder.encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
          encoder.encode("GET /he\u0000althz HTTP/1.1\r\nhost: x\r\n\r\n"),
          encoder.encode(
            "GET http://evil.example/healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
          ),
          encoder.encode("\r\n\r\n\r\nGARBAGE\r\n\r\n"),
          encoder.encode("GET /healthz HTTP/1.1\nhost: x\nconnection: close\n\n"),
        ]),
      ),
    "vanish mid-body": () => ({
      kind: "vanish mid-body",
      bytes: concat(
        request("POST", pick(["/v1/score", "/v1/rank"]), undefined, {
          "content-type": "application/json",
          "content-length": String(1_000 + int(10_000)),
        }),
        `{"user": "${ids.user}", "items": [`,
      ),
      then: "vanish",
    }),
    "stalled head": () => ({
      kind: "stalled head",
      bytes: encoder.encode(`GET /healthz HTTP/1.1\r\nhost: x\r\nx-slow: ${"s".repeat(int(100))}`),
      then: "stall",
    }),
    "stalled body": () => ({
      kind: "stalled body",
      bytes: concat(
        request("POST", "/v1/score", undefined, {
          "content-type": "application/json",
          "content-length": String(100 + int(1_000)),
        }),
        '{"user":',
      ),
      then: "stall",
    }),
  };
}

/** Runs one case; the status line's code, or `closed` when the connection ended without one. */
async function runCase(port: number, c: Case): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(c.bytes).catch(() => {});
    if (c.then === "vanish") return "vanished";
    const chunks: Uint8Array[] = [];
    const buffer = new Uint8Array(16 * 1024);
    const giveUp = setTimeout(() => conn.close(), 10_000);
    try {
      for (let n; (n = await conn.read(buffer).catch(() => null)) !== null;) {
        chunks.push(buffer.slice(0, n));
      }
    } finally {
      clearTimeout(giveUp);
    }
    const head = new TextDecoder().decode(concat(...chunks).subarray(0, 64));
    return /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? "closed";
  } finally {
    try {
      conn.close();
    } catch {
      // Closed by the server, or by giveUp.
    }
  }
}

/** Resident set size of process `pid` in MiB. */
function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`))![1];
  return Number(kb) / 1024;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    cases: { type: "string" },
    seed: { type: "string" },
    concurrency: { type: "string" },
    out: { type: "string" },
  },
});
const cases = Number(values.cases ?? 1_000), concurrency = Number(values.concurrency ?? 8);
let seed = Number(values.seed ?? 1) | 0;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];

const fx = await servingFixture();
await fx.store.close();
const port = freePort();
const server = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    new URL("../cli/serve.ts", import.meta.url).pathname,
    ...["--store", join(fx.dir, "store.duckdb"), "--model", join(fx.dir, "bundle")],
    ...["--port", String(port), "--token", TOKEN, "--max-body", String(MAX_BODY)],
    ...["--header-timeout", String(HEADER_TIMEOUT_MS), "--body-timeout", String(BODY_TIMEOUT_MS)],
  ],
  stdout: "null",
  stderr: "piped",
}).spawn();
const logLines: string[] = [];
const stderr = server.stderr.pipeThrough(new TextDecoderStream()).getReader();
let pending = "";
const ready = (async () => {
  for (;;) {
    const { value, done } = await stderr.read();
    if (done) throw new Error(`the server exited:\n${logLines.join("\n")}`);
    pending += value;
    const lines = pending.split("\n");
    pending = lines.pop()!;
    logLines.push(...lines);
    if (lines.some((l) => / at http:\/\//.test(l))) return;
  }
})();
await ready;
const startupLines = logLines.length;
const reading = (async () => {
  for (;;) {
    const { value, done } = await stderr.read();
    if (done) return;
    pending += value;
    const lines = pending.split("\n");
    pending = lines.pop()!;
    logLines.push(...lines);
  }
})();

const url = `http://127.0.0.1:${port}`;
const auth = { authorization: `Bearer ${TOKEN}` };
const user = fx.dataset.users.raw[1], item = fx.dataset.items.raw[1];
// Warm-up: the routes' first answers (JIT, caches), so RSS before is a serving server's.
for (let i = 0; i < 50; i++) {
  await (await fetch(`${url}/v1/score`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ user, items: [item] }),
  })).body?.cancel();
  await (await fetch(`${url}/v1/users/${user}/knowledge`, { headers: auth })).body?.cancel();
}
const metricsText = async () => await (await fetch(`${url}/metrics`, { headers: auth })).text();
/** The series of the exposition text (sample values dropped). */
const seriesOf = (text: string) =>
  new Set(
    text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.replace(/ \S+$/, "")),
  );
/** RSS, /metrics size and series now. */
const snapshot = async () => {
  const text = await metricsText();
  return { rss: rssMiB(server.pid), metrics: text.length, series: seriesOf(text), text };
};
await metricsText(); // /metrics' own series exist from now on
const before = await snapshot();

const gens = generators({ user, item }, pick, int);
const kinds = Object.keys(gens);
const plan = Array.from({ length: cases }, (_, i) => gens[kinds[i % kinds.length]]());
const byStatus = new Map<string, number>(), byKind = new Map<string, Map<string, number>>();
/** Sends every planned case once, `concurrency` at a time; returns the seconds it took. */
async function round(): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < plan.length) {
      const c = plan[next++];
      const status = await runCase(port, c);
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      const k = byKind.get(c.kind) ?? new Map<string, number>();
      k.set(status, (k.get(status) ?? 0) + 1);
      byKind.set(c.kind, k);
    }
  }));
  await new Promise((r) => setTimeout(r, 2 * HEADER_TIMEOUT_MS)); // let the last closes settle
  return (performance.now() - t0) / 1000;
}
// Two rounds of the same cases: the first fills the (bounded) label sets of the metrics, the
// second shows whether anything still grows.
const seconds = [await round()];
const middle = await snapshot();
seconds.push(await round());
const after = await snapshot();
const counted = (status: string) =>
  [...after.text.matchAll(
    new RegExp(`r4ec_http_requests_total\\{[^}]*status="${status}"\\} (\\d+)`, "g"),
  )]
    .reduce((n, m) => n + Number(m[1]), 0);

server.kill("SIGTERM");
await server.status;
await reading;
await fx.close();

const served = logLines.slice(startupLines).filter((l) => !/draining|stopped/.test(l));
const stacks = served.filter((l) => /^\s+at /.test(l)).length;
const fiveXX = [...byStatus].filter(([s]) => s.startsWith("5")).reduce((n, [, v]) => n + v, 0);
const logKinds = new Map<string, number>();
for (const l of served) {
  const kind = l.replace(/^\[[^\]]*\] /, "").replace(/\d+/g, "N").slice(0, 120);
  logKinds.set(kind, (logKinds.get(kind) ?? 0) + 1);
}
const sorted = <V>(m: Map<string, V>) => [...m].sort(([a], [b]) => a.localeCompare(b));
const load = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
const report = [
  `# HTTP fuzz run (recorded results)`,
  ``,
  `\`deno run -A bench/http_fuzz.ts --cases ${cases} --seed ${
    values.seed ?? 1
  } --concurrency ${concurrency}\`,`,
  `${new Date().toISOString().slice(0, 16)} UTC, Deno ${Deno.version.deno}, load average ${load}.`,
  `Server: \`cli/serve.ts\` on 127.0.0.1 (connection guard, bearer token, --max-body ${MAX_BODY},`,
  `--header-timeout ${HEADER_TIMEOUT_MS}, --body-timeout ${BODY_TIMEOUT_MS}) serving the HTTP tests' fixture`,
  `bundle; every case on its own connection.`,
  ``,
  `${cases} malformed requests, sent twice (${
    seconds.map((x) => x.toFixed(1)).join(" s and ")
  } s):`,
  `**${fiveXX} of ${2 * cases} answered 5xx**, ${stacks} stack-trace lines logged.`,
  ``,
  `| answer | requests |`,
  `|---|---|`,
  ...sorted(byStatus).map(([s, n]) => `| ${s} | ${n} |`),
  ``,
  `\`closed\`: the connection ended without an answer (the guard closing an HTTP/2 preface, or`,
  `the HTTP parser dropping bytes it cannot read); \`vanished\`: the client closed mid-body itself.`,
  ``,
  `| kind | answers |`,
  `|---|---|`,
  ...sorted(byKind).map(([k, m]) =>
    `| ${k} | ${sorted(m).map(([s, n]) => `${s} × ${n}`).join(", ")} |`
  ),
  ``,
  `| server | before | after round 1 | after round 2 |`,
  `|---|---|---|---|`,
  `| RSS | ${before.rss.toFixed(1)} MiB | ${middle.rss.toFixed(1)} MiB | ${
    after.rss.toFixed(1)
  } MiB |`,
  `| /metrics size | ${before.metrics} B | ${middle.metrics} B | ${after.metrics} B |`,
  `| /metrics series | ${before.series.size} | ${middle.series.size} | ${after.series.size} |`,
  ``,
  `Series round 2 added to /metrics: ${
    [...after.series].filter((x) => !middle.series.has(x)).length
  }`,
  `(the label values come from fixed sets: 7 methods and \`other\`, the route patterns and`,
  `\`unmatched\`, the statuses the router answers).`,
  ``,
  `The router counted ${counted("499")} requests as 499 (client closed before the body arrived)`,
  `and ${counted("5\\d\\d")} as 5xx. Its log after start-up, ${served.length} lines:`,
  ``,
  `| line (digits as N) | times |`,
  `|---|---|`,
  ...sorted(logKinds).map(([l, n]) => `| \`${l.replaceAll("|", "\\|")}\` | ${n} |`),
  ``,
].join("\n");
console.log(report);
if (values.out) Deno.writeTextFileSync(values.out, report);
if (fiveXX > 0 || stacks > 0 || counted("5\\d\\d") > 0) Deno.exit(1);
