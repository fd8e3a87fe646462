/**
 * `deno task serve --store FILE --model DIR [--port N] [--token T] [--ui]`: serves the r4ec router
 * over HTTP with `Deno.serve`, behind the connection guard (read deadlines, a connection limit:
 * `adapters/http/connection_guard.ts`). `--model` is a serving bundle folder (`saveServingBundle`), `--store` the
 * DuckDB store holding the knowledge and vectors. Knowledge records and vectors are loaded into
 * memory at start (unless `--no-preload`). SIGINT/SIGTERM stop accepting, let requests in flight
 * finish, close the store and exit. `--workers N` runs N server processes on one port (read-only store, no on-demand
 * knowledge), supervised by this one.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { loadServingBundle } from "../adapters/http/bundle.ts";
import { serveHttp } from "../adapters/http/deno_server.ts";
import { r4ecRouter } from "../adapters/http/router.ts";
import type { Actor, Reflector } from "../plugins/types.ts";
import { openStoreFlag } from "./checks.ts";
import { buildComponents, checkComponentSpecs } from "./components.ts";
import { flagOptions, runCli } from "./run.ts";

const HELP = `deno task serve --store FILE --model DIR [options]

Serves click probabilities from a trained backbone with stored R4 knowledge, knowledge inspection
and (with --actor) on-demand R4 knowledge generation. Routes: GET /healthz, GET /metrics,
GET /openapi.json, GET /v1/users/:id/knowledge, GET /v1/items/:id/knowledge, POST /v1/score,
POST /v1/rank, POST /v1/knowledge/users/:id, POST /v1/knowledge/items/:id.

  --store FILE          DuckDB store with the knowledge and vectors (required; must exist)
  --model DIR           serving bundle folder written by saveServingBundle (required)
  --port N              port (default 8787; 0 = any free port)
  --host ADDR           interface (default 127.0.0.1)
  --token T             bearer token required on /v1/* and /metrics (default: R4EC_TOKEN, else none)
  --cors ORIGINS        comma-separated allowed origins, or * (default: no CORS)
  --actor SPEC          enables on-demand knowledge: profile (statistical, no LLM) | hf:MODEL[@provider]
                        | endpoint:URL#MODEL | local:PATH_OR_NAME
  --reflector SPEC      grounded (default with --actor) | hybrid:<llm spec> | <llm spec>
  --rounds N            reflection rounds of on-demand runs (default 1)
  --max-body BYTES      largest request body (default 262144)
  --score-timeout MS    deadline of score/rank (default 5000)
  --knowledge-timeout MS  deadline of on-demand R4 runs (default 120000)
  --header-timeout MS   a request's head must arrive within this (default 10000; also closes
                        idle keep-alive connections)
  --body-timeout MS     a declared request body must arrive within this after its head
                        (default 30000)
  --max-connections N   open connections per process, at most; one more is answered 503
                        (default 1024)
  --ui                  serve the knowledge viewer at /ui/ (search users and items, every round
                        with its diff and evidence, held-back scores; its data routes under /v1/
                        need the bearer token like the others)
  --no-preload          do not load knowledge records and vectors into memory at start
  --read-only           open the store read-only (on-demand knowledge then cannot be stored)
  --workers N           serve from N processes sharing the port (default 1; needs a fixed --port,
                        opens the store read-only, no --actor; metrics are per process)
`;

const Flags = z.object({
  store: z.string().min(1, "required"),
  model: z.string().min(1, "required"),
  port: z.coerce.number().int().min(0).max(65535).default(8787),
  host: z.string().default("127.0.0.1"),
  token: z.string().min(8, "use at least 8 characters").optional(),
  cors: z.string().optional(),
  actor: z.string().optional(),
  reflector: z.string().optional(),
  rounds: z.coerce.number().int().min(0).max(10).default(1),
  "max-body": z.coerce.number().int().positive().default(256 * 1024),
  "score-timeout": z.coerce.number().int().positive().default(5_000),
  "knowledge-timeout": z.coerce.number().int().positive().default(120_000),
  "header-timeout": z.coerce.number().int().positive().default(10_000),
  "body-timeout": z.coerce.number().int().positive().default(30_000),
  "max-connections": z.coerce.number().int().positive().default(1024),
  ui: z.boolean().default(false),
  "no-preload": z.boolean().default(false),
  "read-only": z.boolean().default(false),
  workers: z.coerce.number().int().min(1).max(64).default(1),
  worker: z.boolean().default(false),
});

/**
 * `--workers N`: runs N copies of this command as child processes sharing the port
 * (`SO_REUSEPORT`, which Deno still marks unstable, hence `--unstable-net` on the children), so the
 * kernel spreads connections over them; each opens the store read-only. Signals are passed on and
 * the supervisor exits when every worker has stopped (with the first failing worker's code).
 */
async function supervise(args: string[], workers: number): Promise<void> {
  const children = Array.from({ length: workers }, (_, i) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--unstable-net", new URL(import.meta.url).pathname, ...args, "--worker"],
      env: { R4EC_WORKER: String(i + 1) },
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn());
  const forward = (signal: Deno.Signal) => () => {
    for (const child of children) {
      try {
        child.kill(signal);
      } catch {
        // Already exited.
      }
    }
  };
  Deno.addSignalListener("SIGINT", forward("SIGTERM"));
  Deno.addSignalListener("SIGTERM", forward("SIGTERM"));
  // One worker failing (bad bundle, busy port) stops the others too.
  for (const child of children) {
    child.status.then((st) => st.code !== 0 && forward("SIGTERM")());
  }
  const statuses = await Promise.all(children.map((c) => c.status));
  const failed = statuses.find((st) => st.code !== 0);
  if (failed) Deno.exit(failed.code);
  Deno.exit(0);
}

await runCli(HELP, async (args) => {
  const { values } = parseArgs({
    args,
    options: flagOptions(Flags),
    strict: true,
  });
  const flags = Flags.parse({
    ...values,
    token: values.token ?? (Deno.env.get("R4EC_TOKEN") || undefined),
    store: values.store ?? "",
    model: values.model ?? "",
  });
  if (flags.reflector && !flags.actor) throw new Error("--reflector needs --actor");
  const multi = flags.workers > 1 || flags.worker;
  if (multi && flags.port === 0) throw new Error("--workers needs a fixed --port");
  if (multi && flags.actor) {
    throw new Error(
      "--workers > 1 opens the store read-only in every process, so on-demand knowledge " +
        "(--actor) needs a single worker",
    );
  }
  checkComponentSpecs({ actor: flags.actor, reflector: flags.reflector });
  const started = performance.now();
  // A typo must not serve an empty store: serve refuses a store that does not exist.
  const store = await openStoreFlag(flags.store, {
    mustExist: true,
    readOnly: flags["read-only"] || multi,
  });
  const bundle = await loadServingBundle(flags.model, {
    embedderContext: { accessToken: Deno.env.get("HF_TOKEN") },
  }).catch(async (e: Error) => {
    await store.close();
    throw new Error(`--model ${flags.model}: ${e.message.replace(/^loadServingBundle: /, "")}`);
  });
  if (flags.workers > 1 && !flags.worker) {
    // Checked here once; every worker opens the store read-only itself.
    await store.close();
    await supervise(args, flags.workers);
    return;
  }
  const workerName = flags.worker ? `worker ${Deno.env.get("R4EC_WORKER") ?? "?"}` : "main";
  const log = (line: string) => console.error(line);
  let actor: Actor | undefined, reflector: Reflector | undefined;
  if (flags.actor) {
    const m = bundle.manifest;
    // A bundle holds what the profile actor reads: item info and the domain (no interactions, so
    // item knowledge uses only each task's two raters).
    const built = await buildComponents({
      actor: flags.actor,
      reflector: flags.reflector ?? "grounded",
      profile: { itemInfo: m.items.info, domain: m.domain },
      store,
      concurrency: 4,
      timeoutMs: flags["knowledge-timeout"],
    });
    actor = built.actor;
    reflector = built.reflector;
    log(`actor: ${built.actorDescription}`);
    log(`reflector: ${built.reflectorDescription}`);
  }
  const router = r4ecRouter({
    store,
    bundle,
    actor,
    reflector,
    rounds: flags.rounds,
    token: flags.token,
    cors: flags.cors === undefined ? undefined : flags.cors === "*" ? true : flags.cors.split(","),
    maxBodyBytes: flags["max-body"],
    timeouts: { score: flags["score-timeout"], knowledgeRun: flags["knowledge-timeout"] },
    log,
    ui: flags.ui,
  });
  if (!flags["no-preload"]) {
    const n = await router.serving.preload();
    log(`preloaded ${n} knowledge vectors`);
  }
  const m = bundle.manifest;
  const server = serveHttp(router, {
    port: flags.port,
    hostname: flags.host,
    reusePort: multi,
    headerTimeoutMs: flags["header-timeout"],
    bodyTimeoutMs: flags["body-timeout"],
    maxConnections: flags["max-connections"],
    onListen: ({ hostname, port }) =>
      log(
        `${workerName}: serving ${m.model} on ${m.dataset} (${
          m.items.raw.length - 1
        } items, encoder ` +
          `${m.encoder.id}) at http://${hostname}:${port} ` +
          `(${flags.token ? "bearer token required" : "no token"}; ` +
          `${actor ? "on-demand knowledge on" : "on-demand knowledge off"}` +
          `${flags.ui ? `; viewer at http://${hostname}:${port}/ui/` : ""}; ready in ` +
          `${((performance.now() - started) / 1000).toFixed(1)} s)`,
      ),
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${workerName}: ${signal}: draining requests in flight`);
    await server.shutdown();
    await store.close();
    log(`${workerName}: stopped`);
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", () => void stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => void stop("SIGTERM"));
  await server.finished;
});
