/**
 * A small Chrome DevTools Protocol client over Deno's WebSocket: launches headless Chromium, opens
 * one page, evaluates expressions in it, collects console errors and uncaught exceptions, and takes
 * screenshots. Enough for the viewer's tests without a browser-driving dependency.
 *
 * @module
 */
// deno-lint-ignore-file no-explicit-any -- CDP messages are untyped JSON.
import { join } from "node:path";

/** Where the system Chromium is, or `undefined` when it is not installed. */
export function chromiumPath(): string | undefined {
  for (
    const path of [Deno.env.get("R4EC_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"]
  ) {
    if (!path) continue;
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // Not there.
    }
  }
  return undefined;
}

/** One page of a launched browser. */
export interface BrowserPage {
  /** Navigates and waits for the load event. */
  goto(url: string): Promise<void>;
  /** The value of `expression` evaluated in the page (awaited when it is a promise). */
  evaluate<T>(expression: string): Promise<T>;
  /** Polls `expression` until it is truthy, or throws after `timeoutMs`. */
  waitFor(expression: string, timeoutMs?: number): Promise<void>;
  /** A PNG of the page, full height. */
  screenshot(): Promise<Uint8Array>;
  /** Console errors and failed assertions, and uncaught exceptions, seen so far. */
  readonly errors: string[];
  /** Every URL the page requested so far. */
  readonly requests: string[];
  /** Sets the viewport to `width` CSS pixels (the next load lays out at that width). */
  setWidth(width: number): Promise<void>;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

type Message = { id?: number; method?: string; params?: any; result?: any; error?: any };

/** Launches headless Chromium at `path` and opens a blank page. */
export async function launchPage(path: string): Promise<BrowserPage> {
  const profile = await Deno.makeTempDir({ prefix: "r4ec-chromium-" });
  const child = new Deno.Command(path, {
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--no-first-run",
      "--remote-debugging-port=0",
      `--user-data-dir=${join(profile, "profile")}`,
      "--window-size=1280,900",
      "about:blank",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const wsUrl = await devToolsUrl(child.stderr);
  const ws = new WebSocket(wsUrl);
  await new Promise((ok, fail) => {
    ws.onopen = ok;
    ws.onerror = () => fail(new Error(`cannot connect to ${wsUrl}`));
  });
  let next = 0;
  const pending = new Map<number, { ok: (v: any) => void; fail: (e: Error) => void }>();
  const listeners: ((m: Message) => void)[] = [];
  ws.onmessage = (event) => {
    const m: Message = JSON.parse(event.data);
    if (m.id !== undefined) {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error) p?.fail(new Error(`CDP: ${JSON.stringify(m.error)}`));
      else p?.ok(m.result);
    } else for (const l of listeners) l(m);
  };
  const send = (method: string, params: unknown = {}, sessionId?: string): Promise<any> => {
    const id = ++next;
    ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    return new Promise((ok, fail) => pending.set(id, { ok, fail }));
  };
  const { targetId } = await send("Target.createTarget", { url: "about:blank" });
  const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
  const errors: string[] = [], requests: string[] = [];
  let loaded: (() => void) | undefined;
  listeners.push((m) => {
    if ((m as { sessionId?: string }).sessionId !== sessionId) return;
    if (m.method === "Network.requestWillBeSent") requests.push(m.params.request.url);
    else if (
      m.method === "Runtime.consoleAPICalled" && ["error", "assert"].includes(m.params.type)
    ) {
      errors.push(
        `console.error: ${m.params.args.map((a: any) => a.value ?? a.description).join(" ")}`,
      );
    } else if (m.method === "Runtime.exceptionThrown") {
      const d = m.params.exceptionDetails;
      errors.push(`uncaught: ${d.exception?.description ?? d.text}`);
    } else if (
      // A 401 or 404 the page asked for and handled is logged as a network error: not one.
      m.method === "Log.entryAdded" && m.params.entry.level === "error" &&
      m.params.entry.source !== "network"
    ) {
      errors.push(`log: ${m.params.entry.text} ${m.params.entry.url ?? ""}`);
    } else if (m.method === "Page.loadEventFired") loaded?.();
  });
  for (const domain of ["Page", "Runtime", "Log", "Network"]) {
    await send(`${domain}.enable`, {}, sessionId);
  }
  const evaluate = async <T>(expression: string): Promise<T> => {
    const r = await send("Runtime.evaluate", {
      expression,
      awaitPromise: true,
      returnByValue: true,
    }, sessionId);
    if (r.exceptionDetails) {
      throw new Error(`evaluate ${expression}: ${r.exceptionDetails.exception?.description}`);
    }
    return r.result.value as T;
  };
  return {
    errors,
    requests,
    async setWidth(width) {
      await send("Emulation.setDeviceMetricsOverride", {
        width,
        height: 900,
        deviceScaleFactor: 1,
        mobile: false,
      }, sessionId);
    },
    async goto(url) {
      const done = new Promise<void>((ok) => loaded = ok);
      await send("Page.navigate", { url }, sessionId);
      await done;
    },
    evaluate,
    async waitFor(expression, timeoutMs = 10_000) {
      const until = performance.now() + timeoutMs;
      while (!(await evaluate<boolean>(`Boolean(${expression})`))) {
        if (performance.now() > until) throw new Error(`timed out waiting for ${expression}`);
        await new Promise((ok) => setTimeout(ok, 25));
      }
    },
    async screenshot() {
      const r = await send(
        "Page.captureScreenshot",
        { format: "png", captureBeyondViewport: true },
        sessionId,
      );
      return Uint8Array.from(atob(r.data), (c) => c.charCodeAt(0));
    },
    async close() {
      await send("Browser.close").catch(() => {});
      ws.close();
      await child.status;
      await child.stderr.cancel().catch(() => {});
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    },
  };
}

/** Reads Chromium's stderr until it prints its DevTools WebSocket address; drains the rest. */
async function devToolsUrl(stderr: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  const deadline = setTimeout(() => reader.cancel(), 20_000);
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`chromium printed no DevTools address:\n${seen.slice(-2000)}`);
      seen += value;
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(seen);
      if (match) {
        // Keep reading so the pipe never fills and blocks the browser.
        (async () => {
          while (!(await reader.read().catch(() => ({ done: true }))).done) { /* drain */ }
        })();
        return match[1];
      }
    }
  } finally {
    clearTimeout(deadline);
  }
}
