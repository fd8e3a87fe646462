/**
 * Headless Chromium for the report's browser test, driven over the DevTools protocol on one
 * WebSocket (flat sessions): open a page, collect console errors, exceptions and every request,
 * evaluate an expression, and take a full-page screenshot. Self-contained, no npm package.
 */

/** Where Debian installs Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether Chromium is installed at {@linkcode CHROMIUM}. */
export async function hasChromium(): Promise<boolean> {
  try {
    return (await Deno.stat(CHROMIUM)).isFile;
  } catch {
    return false;
  }
}

/** An open page. */
export interface Page {
  /** Console errors, uncaught exceptions and error log entries, in order. */
  readonly errors: string[];
  /** Every URL the page requested. */
  readonly requests: string[];
  /** Evaluates `expression` in the page and returns its value (JSON-serialisable). */
  evaluate<T>(expression: string): Promise<T>;
  /** A PNG of the whole page. */
  screenshot(): Promise<Uint8Array>;
}

/** A running headless Chromium. */
export interface Browser extends AsyncDisposable {
  /** Opens `url` in a new tab `width` CSS pixels wide and waits for its load event. */
  open(url: string, width?: number): Promise<Page>;
}

type Message = {
  id?: number;
  method?: string;
  sessionId?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
};

/** Reads Chromium's stderr until it says where its DevTools endpoint is. */
async function devtoolsUrl(stderr: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  const deadline = setTimeout(() => reader.cancel(), 30_000);
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`chromium exited before DevTools listened:\n${seen.slice(-2000)}`);
      seen += value;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(seen);
      if (m) {
        // Keep draining stderr so Chromium never blocks on a full pipe.
        (async () => {
          while (!(await reader.read().catch(() => ({ done: true }))).done) { /* drain */ }
        })();
        return m[1];
      }
    }
  } finally {
    clearTimeout(deadline);
  }
}

/**
 * Starts headless Chromium with a throw-away profile.
 *
 * @example
 * ```ts
 * await using browser = await launchChromium();
 * const page = await browser.open("file:///tmp/report.html");
 * console.log(page.errors);
 * ```
 */
export async function launchChromium(): Promise<Browser> {
  const profile = await Deno.makeTempDir({ prefix: "r4ec-chromium-" });
  const child = new Deno.Command(CHROMIUM, {
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--no-first-run",
      "--no-default-browser-check",
      "--remote-debugging-port=0",
      "--remote-allow-origins=*",
      `--user-data-dir=${profile}`,
      "about:blank",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const ws = new WebSocket(await devtoolsUrl(child.stderr));
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error("could not connect to chromium's DevTools"));
  });
  let nextId = 0;
  const pending = new Map<number, (m: Message) => void>();
  const listeners = new Set<(m: Message) => void>();
  ws.onmessage = (e) => {
    const m: Message = JSON.parse(e.data);
    if (m.id !== undefined) pending.get(m.id)?.(m);
    else for (const listen of listeners) listen(m);
  };
  const send = (method: string, params: object = {}, sessionId?: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, (m) => {
        pending.delete(id);
        if (m.error) reject(new Error(`${method}: ${m.error.message}`));
        else resolve(m.result ?? {});
      });
      ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });

  return {
    async open(url, width = 1200) {
      const { targetId } = await send("Target.createTarget", { url: "about:blank" });
      const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true }) as {
        sessionId: string;
      };
      const errors: string[] = [], requests: string[] = [];
      let loaded: () => void = () => {};
      const load = new Promise<void>((resolve) => (loaded = resolve));
      listeners.add((m) => {
        if (m.sessionId !== sessionId) return;
        const p = m.params ?? {};
        if (m.method === "Page.loadEventFired") loaded();
        if (m.method === "Network.requestWillBeSent") {
          requests.push((p.request as { url: string }).url);
        }
        if (m.method === "Runtime.exceptionThrown") errors.push(JSON.stringify(p.exceptionDetails));
        if (
          m.method === "Runtime.consoleAPICalled" && ["error", "assert"].includes(p.type as string)
        ) {
          errors.push(JSON.stringify(p.args));
        }
        if (m.method === "Log.entryAdded") {
          const entry = p.entry as { level: string; text: string; url?: string };
          if (entry.level === "error") errors.push(`${entry.text} ${entry.url ?? ""}`);
        }
      });
      for (const domain of ["Page", "Runtime", "Log", "Network"]) {
        await send(`${domain}.enable`, {}, sessionId);
      }
      await send("Emulation.setDeviceMetricsOverride", {
        width,
        height: 900,
        deviceScaleFactor: 1,
        mobile: false,
      }, sessionId);
      await send("Page.navigate", { url }, sessionId);
      await load;
      return {
        errors,
        requests,
        async evaluate<T>(expression: string) {
          const r = await send("Runtime.evaluate", { expression, returnByValue: true }, sessionId);
          const details = r.exceptionDetails as { text?: string } | undefined;
          if (details) throw new Error(`evaluate: ${JSON.stringify(details)}`);
          return (r.result as { value: T }).value;
        },
        async screenshot() {
          const metrics = await send("Page.getLayoutMetrics", {}, sessionId);
          const size = metrics.cssContentSize as { width: number; height: number };
          const { data } = await send("Page.captureScreenshot", {
            format: "png",
            captureBeyondViewport: true,
            clip: { x: 0, y: 0, width: size.width, height: size.height, scale: 1 },
          }, sessionId) as { data: string };
          return Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        },
      };
    },
    async [Symbol.asyncDispose]() {
      await send("Browser.close").catch(() => {});
      ws.close();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const exited = await Promise.race([
        child.status,
        new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 5000))),
      ]);
      clearTimeout(timer);
      if (!exited) child.kill("SIGKILL");
      await child.status;
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    },
  };
}
