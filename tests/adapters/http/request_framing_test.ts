import assert from "node:assert/strict";
import { MAX_LINE_BYTES, RequestFraming } from "../../../adapters/http/request_framing.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

/** The phases after each piece, feeding `pieces` in order. */
function phases(pieces: string[]): string[] {
  const f = new RequestFraming();
  return pieces.map((p) => (f.feed(bytes(p)), f.phase));
}

/** Feeds `text` one byte at a time and returns the framing. */
function byteByByte(text: string): RequestFraming {
  const f = new RequestFraming();
  for (const b of bytes(text)) f.feed(Uint8Array.of(b));
  return f;
}

Deno.test("framing: a head without a body, then one with Content-Length", () => {
  assert.deepEqual(
    phases([
      "GET /healthz HTTP/1.1\r\nHost: x\r\n",
      "\r\n",
      "POST /v1/score HTTP/1.1\r\ncontent-length: 10\r\n\r\n01234",
      "56789",
    ]),
    ["head", "idle", "body", "idle"],
  );
});

Deno.test("framing: chunked bodies with extensions and trailers, split anywhere", () => {
  const request = "POST /x HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" +
    "5;name=value\r\nhello\r\n" + "A\r\n0123456789\r\n" + "0\r\nX-Trailer: 1\r\n\r\n";
  const two = request + request.replace("POST /x", "POST /y");
  const f = byteByByte(two);
  assert.equal(f.phase, "idle");
  assert.deepEqual([f.started, f.heads, f.requests], [2, 2, 2]);
  // Until the empty line after the trailers, the body is not complete.
  const partial = byteByByte(request.slice(0, -2));
  assert.equal(partial.phase, "body");
});

Deno.test("framing: pipelined requests in one piece are counted one by one", () => {
  const f = new RequestFraming();
  f.feed(bytes("GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /c"));
  assert.equal(f.phase, "head");
  assert.deepEqual([f.started, f.heads, f.requests], [3, 2, 2]);
  f.feed(bytes(" HTTP/1.1\r\n\r\n"));
  assert.deepEqual([f.phase, f.requests], ["idle", 3]);
});

Deno.test("framing: empty lines before a request line and bare LF line ends are allowed", () => {
  const f = byteByByte("\r\n\r\nGET / HTTP/1.1\nHost: x\n\n");
  assert.deepEqual([f.phase, f.requests], ["idle", 1]);
});

Deno.test("framing: what it cannot follow makes the stream opaque, saying why", () => {
  const cases: [string, RegExp][] = [
    ["PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", /HTTP\/2/],
    ["POST / HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n", /Content-Length/],
    ["POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", /Content-Length/],
    ["POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", /transfer coding/],
    ["POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", /chunk size/],
    ["POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", /CRLF/],
    [`GET / HTTP/1.1\r\nX-Long: ${"a".repeat(MAX_LINE_BYTES)}\r\n\r\n`, /too long/],
  ];
  for (const [text, reason] of cases) {
    const f = new RequestFraming();
    f.feed(bytes(text));
    assert.equal(f.phase, "opaque", text.slice(0, 40));
    assert.match(f.opaqueReason, reason);
    f.feed(bytes("GET / HTTP/1.1\r\n\r\n"));
    assert.equal(f.phase, "opaque", "opaque is final");
  }
});

Deno.test("framing: a long body costs no memory (only the current line is kept)", () => {
  const f = new RequestFraming();
  f.feed(bytes("POST / HTTP/1.1\r\nContent-Length: 100000000\r\n\r\n"));
  const piece = new Uint8Array(1 << 20).fill(0x0a); // line feeds inside a body are body bytes
  for (let i = 0; i < 95; i++) f.feed(piece);
  assert.equal(f.phase, "body");
  f.feed(new Uint8Array(100_000_000 - 95 * (1 << 20)));
  assert.deepEqual([f.phase, f.requests], ["idle", 1]);
});
