import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { zipSync } from "fflate";
import { downloadDataset } from "../../eval/download.ts";

/** A GroupLens-like folder on 127.0.0.1 serving `ml-100k.zip` and its `.md5`. */
function serve(zip: Uint8Array, md5: string) {
  const hits: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    hits.push(path);
    if (path === "/movielens/ml-100k.zip") return new Response(new Blob([zip.slice()]));
    if (path === "/movielens/ml-100k.zip.md5") {
      return new Response(`MD5 (ml-100k.zip) = ${md5}\n`);
    }
    return new Response("not found", { status: 404 });
  });
  return { server, hits, base: `http://127.0.0.1:${server.addr.port}/movielens/` };
}

const enc = new TextEncoder();
const zip = zipSync({
  "ml-100k/u.data": enc.encode("1\t1\t5\t881250949\n"),
  "ml-100k/u.item": enc.encode("1|Toy Story (1995)|01-Jan-1995||url|0|0|0\n"),
  "ml-100k/u.genre": enc.encode("unknown|0\n"),
});
const md5 = createHash("md5").update(zip).digest("hex");

Deno.test("download: verified against the published MD5, unpacked, then reused", async () => {
  const { server, hits, base } = serve(zip, md5);
  const cache = await Deno.makeTempDir();
  try {
    const dir = await downloadDataset("ml-100k", { cache, baseUrl: base });
    assert.equal(dir, join(cache, "ml-100k"));
    assert.equal(await Deno.readTextFile(join(dir, "u.data")), "1\t1\t5\t881250949\n");
    assert.equal(hits.length, 2);
    await downloadDataset("ml-100k", { cache, baseUrl: base });
    assert.equal(hits.length, 2, "an unpacked download is reused");
  } finally {
    await server.shutdown();
  }
});

Deno.test("download: a checksum mismatch keeps nothing", async () => {
  const { server, base } = serve(zip, "0".repeat(32));
  const cache = await Deno.makeTempDir();
  try {
    await assert.rejects(
      downloadDataset("ml-100k", { cache, baseUrl: base }),
      /checksum mismatch for http:\/\/127\.0\.0\.1:\d+\/movielens\/ml-100k\.zip/,
    );
    assert.deepEqual([...Deno.readDirSync(cache)], []);
  } finally {
    await server.shutdown();
  }
});
