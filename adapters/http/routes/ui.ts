/**
 * The knowledge viewer's page, `GET /ui/`: static HTML, CSS and plain JavaScript modules from
 * `adapters/http/ui/`, read once when the router is built. The files hold no data (everything the
 * page shows comes from the `/v1/*` routes, behind the bearer token when the router has one), so a
 * browser can open the page by plain navigation and send the token with its requests. A strict
 * content security policy allows only the page's own scripts and styles.
 *
 * @module
 */
import { Hono } from "hono";
import { runtime } from "../../../runtime/mod.ts";
import type { ServingEnv } from "../route.ts";

/** The viewer's files: name to media type. */
const FILES: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "viewer.css": "text/css; charset=utf-8",
  "viewer.js": "text/javascript; charset=utf-8",
  "render.js": "text/javascript; charset=utf-8",
  "word_diff.js": "text/javascript; charset=utf-8",
};

const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; " +
    "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; " +
    "frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

/**
 * The viewer's files by name with their media types.
 *
 * @example
 * ```ts
 * import { loadViewerAssets } from "./ui.ts";
 * console.log([...loadViewerAssets().keys()]); // index.html, viewer.css, ...
 * ```
 */
export function loadViewerAssets(): Map<string, { body: string; type: string }> {
  const assets = new Map<string, { body: string; type: string }>();
  for (const [name, type] of Object.entries(FILES)) {
    const body = runtime.readTextFileSync(new URL(`../ui/${name}`, import.meta.url));
    assets.set(name, { body, type });
  }
  return assets;
}

/**
 * The sub-app serving the viewer's files under `/ui/` (`/ui` redirects there, so the page's
 * relative URLs resolve under any mount path).
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { viewerPageApp } from "./ui.ts";
 * const app = new Hono().route("/", viewerPageApp());
 * // await app.request("/ui/") answers the page
 * ```
 */
export function viewerPageApp(
  assets: Map<string, { body: string; type: string }> = loadViewerAssets(),
): Hono<ServingEnv> {
  const app = new Hono<ServingEnv>();
  const answer = (name: string) => {
    const asset = assets.get(name)!;
    return new Response(asset.body, {
      headers: { "content-type": asset.type, ...SECURITY_HEADERS },
    });
  };
  app.get("/ui", (c) => c.redirect("ui/", 308));
  app.get("/ui/", () => answer("index.html"));
  for (const name of assets.keys()) app.get(`/ui/${name}`, () => answer(name));
  return app;
}
