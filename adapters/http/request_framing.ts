/**
 * Where a stream of HTTP/1.1 request bytes is: between requests, inside a request's head, or
 * inside its body (`Content-Length` or chunked). The connection guard (`connection_guard.ts`)
 * feeds it every byte a client sends, to know which read deadline applies; it never changes or
 * holds back a byte, so the server behind the guard still parses the request itself and has the
 * last word on what is valid.
 *
 * Only the line being read is kept (at most {@link MAX_LINE_BYTES}), so a connection costs the
 * same however long its head or body is.
 *
 * @module
 */

/**
 * Longest request-head line (or chunk-size line) the framing follows; a longer one makes the
 * stream `opaque`.
 *
 * @example
 * ```ts
 * import { MAX_LINE_BYTES } from "./request_framing.ts";
 * console.log(MAX_LINE_BYTES); // 65536
 * ```
 */
export const MAX_LINE_BYTES = 64 * 1024;

/**
 * Where the stream is: `idle` between requests (no byte of the next one yet), `head` in a request
 * line or header, `body` in a declared body, `opaque` after bytes the framing cannot follow (an
 * HTTP/2 preface, a malformed length or chunk size, an over-long line): from then on only the
 * server knows where requests end.
 *
 * @example
 * ```ts
 * import type { FramingPhase } from "./request_framing.ts";
 * const waitingForServer = (p: FramingPhase) => p === "idle";
 * ```
 */
export type FramingPhase = "idle" | "head" | "body" | "opaque";

/**
 * The `opaqueReason` of a stream that began with the HTTP/2 connection preface.
 *
 * @example
 * ```ts
 * import { HTTP2_PREFACE, RequestFraming } from "./request_framing.ts";
 * const f = new RequestFraming();
 * f.feed(new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
 * console.log(f.opaqueReason === HTTP2_PREFACE); // true
 * ```
 */
export const HTTP2_PREFACE = "an HTTP/2 connection preface";

type BodyState = "length" | "chunk-size" | "chunk-data" | "chunk-end" | "trailer";

const LF = 0x0a;
const decoder = new TextDecoder();

/**
 * The framing of one connection's request bytes.
 *
 * @example
 * ```ts
 * import { RequestFraming } from "./request_framing.ts";
 * const f = new RequestFraming();
 * const bytes = (s: string) => new TextEncoder().encode(s);
 * f.feed(bytes("POST /v1/score HTTP/1.1\r\nContent-Length: 5\r\n\r\nab"));
 * console.log(f.phase); // body
 * f.feed(bytes("cde"));
 * console.log(f.phase, f.requests); // idle 1
 * ```
 */
export class RequestFraming {
  /** Where the stream is now. */
  phase: FramingPhase = "idle";
  /** Requests whose head has begun. */
  started = 0;
  /** Requests whose head is complete. */
  heads = 0;
  /** Requests complete (head and body). */
  requests = 0;
  /** Why the stream became `opaque`. */
  opaqueReason = "";

  #line: Uint8Array[] = [];
  #lineBytes = 0;
  #firstLine = true;
  #contentLength: number | undefined;
  #chunked = false;
  #body: BodyState = "length";
  #remaining = 0;

  /** Follows `bytes`, the next bytes the client sent. */
  feed(bytes: Uint8Array): void {
    let i = 0;
    while (i < bytes.length && this.phase !== "opaque") {
      if (this.phase === "body" && (this.#body === "length" || this.#body === "chunk-data")) {
        const take = Math.min(this.#remaining, bytes.length - i);
        this.#remaining -= take;
        i += take;
        if (this.#remaining === 0) {
          if (this.#body === "length") this.#finishRequest();
          else this.#body = "chunk-end";
        }
        continue;
      }
      if (this.phase === "idle") this.#beginRequest();
      const end = bytes.indexOf(LF, i);
      const stop = end < 0 ? bytes.length : end + 1;
      if (this.#lineBytes + stop - i > MAX_LINE_BYTES) return this.#opaque("a line is too long");
      this.#line.push(bytes.subarray(i, stop));
      this.#lineBytes += stop - i;
      i = stop;
      if (end >= 0) this.#takeLine(this.#lineText());
    }
  }

  #beginRequest(): void {
    this.phase = "head";
    this.started++;
    this.#firstLine = true;
    this.#contentLength = undefined;
    this.#chunked = false;
  }

  #lineText(): string {
    const text = this.#line.length === 1
      ? decoder.decode(this.#line[0])
      : this.#line.map((b) => decoder.decode(b, { stream: true })).join("") + decoder.decode();
    this.#line = [];
    this.#lineBytes = 0;
    return text.replace(/\r?\n$/, "");
  }

  #takeLine(line: string): void {
    if (this.phase === "head") this.#headLine(line);
    else this.#bodyLine(line);
  }

  #headLine(line: string): void {
    if (this.#firstLine) {
      // Empty lines before a request line are allowed (RFC 9112, 2.2).
      if (line === "") return;
      this.#firstLine = false;
      if (line.startsWith("PRI * HTTP/2")) this.#opaque(HTTP2_PREFACE);
      return;
    }
    if (line !== "") return this.#header(line);
    this.heads++;
    if (this.#chunked) {
      this.phase = "body";
      this.#body = "chunk-size";
    } else if (this.#contentLength) {
      this.phase = "body";
      this.#body = "length";
      this.#remaining = this.#contentLength;
    } else this.#finishRequest();
  }

  #header(line: string): void {
    const colon = line.indexOf(":");
    if (colon < 0) return;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "transfer-encoding") {
      // The final coding decides (RFC 9112, 6.3); a body with another final coding has no
      // length the framing can follow.
      const last = value.split(",").at(-1)!.trim().toLowerCase();
      if (last !== "chunked") return this.#opaque("a transfer coding other than chunked");
      this.#chunked = true;
    } else if (name === "content-length") {
      const n = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
      if (Number.isNaN(n) || (this.#contentLength !== undefined && this.#contentLength !== n)) {
        return this.#opaque("an unreadable Content-Length");
      }
      this.#contentLength = n;
    }
  }

  #bodyLine(line: string): void {
    if (this.#body === "chunk-size") {
      const size = line.split(";")[0].trim();
      if (!/^[0-9a-fA-F]{1,12}$/.test(size)) return this.#opaque("an unreadable chunk size");
      this.#remaining = parseInt(size, 16);
      this.#body = this.#remaining === 0 ? "trailer" : "chunk-data";
    } else if (this.#body === "chunk-end") {
      if (line !== "") return this.#opaque("a chunk not followed by CRLF");
      this.#body = "chunk-size";
    } else if (line === "") this.#finishRequest(); // the empty line after the trailers
  }

  #finishRequest(): void {
    this.phase = "idle";
    this.requests++;
  }

  #opaque(reason: string): void {
    this.phase = "opaque";
    this.opaqueReason = reason;
    this.#line = [];
    this.#lineBytes = 0;
  }
}
