/**
 * A local HTTP server (127.0.0.1, random port) speaking the Hugging Face feature-extraction
 * protocol, for testing the `hf` embedder with the real `@huggingface/inference` client:
 *
 * - `GET /api/models/<id>?expand[]=inferenceProviderMapping`: the Hub's provider mapping (the
 *   model is served by `hf-inference`).
 * - `POST /hf-inference/models/<id>/pipeline/feature-extraction` (the router route) and
 *   `POST /endpoint` (an `endpointUrl`): JSON `{ inputs: string | string[], normalize?, ... }`,
 *   answered with one vector per input (`number[][]`; `number[]` for a single string).
 * - `POST /token-level`: answers `number[][][]` (un-pooled), as a misconfigured endpoint would.
 * - `failNext(n)`: the next `n` embedding requests get `503 {"error": "Model is loading"}`.
 *
 * Vectors come from a real hashing embedder; an input containing `FAIL` gets a 422 error body.
 *
 * @module
 */
import { fitHashingEmbedder } from "../../../adapters/embed/hashing.ts";

/** One request the server received. */
export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | null;
  body: unknown;
}

/** A running fake server; `close` stops it. */
export interface FeatureExtractionServer {
  origin: string;
  dim: number;
  requests: RecordedRequest[];
  /** The vectors the server computes, for comparison. */
  vectorsFor(texts: string[]): Promise<Float32Array[]>;
  /** Answer the next `count` embedding requests with HTTP 503. */
  failNext(count: number): void;
  /** A fetch that sends huggingface.co and router.huggingface.co requests here instead. */
  fetch: typeof fetch;
  close(): Promise<void>;
}

/**
 * Starts the server.
 *
 * @example
 * ```ts
 * import { startFeatureExtractionServer } from "./feature_extraction_server.ts";
 * const server = startFeatureExtractionServer();
 * await server.close();
 * ```
 */
export function startFeatureExtractionServer(dim = 12): FeatureExtractionServer {
  const model = fitHashingEmbedder(["films music books", "drama comedy thriller"], { dim });
  const requests: RecordedRequest[] = [];
  let failures = 0;
  const json = (value: unknown, status = 200) =>
    new Response(JSON.stringify(value), {
      status,
      headers: { "content-type": "application/json" },
    });

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    const body = req.method === "POST" ? await req.json().catch(() => undefined) : undefined;
    requests.push({
      method: req.method,
      path: url.pathname + url.search,
      authorization: req.headers.get("authorization"),
      body,
    });
    const mapping = url.pathname.match(/^\/api\/models\/(.+)$/);
    if (req.method === "GET" && mapping) {
      return json({
        id: mapping[1],
        inferenceProviderMapping: [
          {
            provider: "hf-inference",
            providerId: mapping[1],
            status: "live",
            task: "feature-extraction",
          },
        ],
      });
    }
    const embedRoute = url.pathname === "/endpoint" || url.pathname === "/token-level" ||
      /^\/hf-inference\/models\/.+\/pipeline\/feature-extraction$/.test(url.pathname);
    if (req.method !== "POST" || !embedRoute) return json({ error: "Not Found" }, 404);
    if (failures > 0) {
      failures--;
      return json({ error: "Model is loading", estimated_time: 0.01 }, 503);
    }
    if (req.headers.get("content-type") !== "application/json") {
      return json({ error: "expected application/json" }, 415);
    }
    const inputs = (body as { inputs?: unknown } | undefined)?.inputs;
    const texts = typeof inputs === "string" ? [inputs] : inputs;
    if (!Array.isArray(texts) || !texts.every((t) => typeof t === "string")) {
      return json({ error: "Input validation error: `inputs` must be a string or a list" }, 422);
    }
    if (texts.some((t) => t.includes("FAIL"))) {
      return json({ error: "Input validation error: cannot embed FAIL" }, 422);
    }
    const vectors = (await model.embed(texts)).map((v) => Array.from(v));
    if (url.pathname === "/token-level") return json(vectors.map((v) => [v, v]));
    return json(typeof inputs === "string" ? vectors[0] : vectors);
  });
  const origin = `http://127.0.0.1:${server.addr.port}`;
  const redirect: typeof fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const local = url.replace(/^https:\/\/(router\.)?huggingface\.co/, origin);
    return fetch(local, init);
  };
  return {
    origin,
    dim,
    requests,
    vectorsFor: (texts) => model.embed(texts),
    failNext: (count) => failures = count,
    fetch: redirect,
    close: () => server.shutdown(),
  };
}
