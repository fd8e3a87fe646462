import assert from "node:assert/strict";
import { join } from "node:path";
import { cachedEmbedder } from "../../../adapters/embed/cached.ts";
import { MemoryVectorCache } from "../../../adapters/embed/memory_cache.ts";
import {
  loadServingBundle,
  saveServingBundle,
  SERVING_FILE,
} from "../../../adapters/http/bundle.ts";
import { servingFixture } from "./serving_fixture.ts";

Deno.test("serving bundle: round trip, rebuilt encoder, checked loading, and `deno task serve`", async (t) => {
  const fx = await servingFixture();
  const d = fx.dataset, m = fx.bundle.manifest, dir = fx.bundle.dir;
  try {
    await t.step("the manifest holds what scoring needs, the weights are identical", async () => {
      assert.equal(m.dataset, d.name);
      assert.equal(m.knowledgePrefix, fx.prefix);
      assert.deepEqual(m.items.raw, d.items.raw);
      assert.deepEqual(m.users.raw, d.users.raw);
      assert.deepEqual(m.attributes, d.attributes.raw);
      assert.deepEqual(m.items.attrs, Array.from(d.itemAttrs));
      assert.equal(m.historyLength, d.historyLength);
      assert.equal(m.encoder.id, fx.embedder.id);
      assert.equal(fx.bundle.itemIndex.get(d.items.raw[4]), 4);
      fx.model.store.params.forEach((p, i) => {
        assert.deepEqual(fx.bundle.model.store.params[i].value, p.value, p.name);
      });
      const encoder = await fx.bundle.encoder();
      assert.equal(encoder!.id, fx.embedder.id);
      const texts = ["Enjoys tense heist thrillers.", "Dislikes slow courtroom dramas."];
      assert.deepEqual(await encoder!.embed(texts), await fx.embedder.embed(texts));
      // The window of a user is the one knowledge generation used.
      const input = d.userInputs.find((u) => u.user === 2)!;
      assert.deepEqual(m.users.window[2], input.history.map((p) => [p.item, p.rating]));
    });

    await t.step(
      "a cached encoder (as the eval passes) still saves the hashing state",
      async () => {
        const cached = cachedEmbedder(fx.embedder, new MemoryVectorCache());
        const again = join(fx.dir, "bundle-cached");
        await saveServingBundle(again, {
          model: fx.model,
          dataset: d,
          encoder: cached,
          encoderSpec: "hashing#dim=32,seed=11",
          knowledgePrefix: fx.prefix,
        });
        const loaded = await loadServingBundle(again);
        assert.equal(loaded.manifest.encoder.spec, "hashing#dim=32,seed=11");
        assert.equal((await loaded.encoder())!.id, fx.embedder.id);
      },
    );

    await t.step("loading names the file and field that are wrong", async () => {
      const text = await Deno.readTextFile(join(dir, SERVING_FILE));
      const broken = await Deno.makeTempDir({ dir: fx.dir });
      for (const name of ["model.safetensors", "model.json"]) {
        await Deno.copyFile(join(dir, name), join(broken, name));
      }
      const write = (json: unknown) =>
        Deno.writeTextFile(join(broken, SERVING_FILE), JSON.stringify(json));
      const manifest = JSON.parse(text);
      await Deno.writeTextFile(join(broken, SERVING_FILE), text.slice(0, 100));
      await assert.rejects(loadServingBundle(broken), /serving\.json is not valid JSON/);
      await write({ ...manifest, historyLength: "5" });
      await assert.rejects(loadServingBundle(broken), /serving\.json: field historyLength/);
      await write({ ...manifest, items: { ...manifest.items, raw: manifest.items.raw.slice(1) } });
      await assert.rejects(loadServingBundle(broken), /items\.raw has \d+ ids but the model has/);
      await write({ ...manifest, model: "dcn" });
      await assert.rejects(loadServingBundle(broken), /model is "dcn" but the weights are "din"/);
      await write({ ...manifest, encoder: { id: manifest.encoder.id, dim: manifest.encoder.dim } });
      const noEncoder = await loadServingBundle(broken);
      assert.equal(await noEncoder.encoder(), undefined);
      await assert.rejects(loadServingBundle(join(fx.dir, "nowhere")), /cannot read/);
    });

    await t.step(
      "deno task serve: serves the bundle, refuses without the token, stops on SIGTERM",
      async () => {
        const storePath = fx.store.path;
        await fx.store.close();
        const child = new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            new URL("../../../cli/serve.ts", import.meta.url).pathname,
            "--store",
            storePath,
            "--model",
            dir,
            "--port",
            "0",
            "--token",
            "cli-token-123",
          ],
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const lines: string[] = [];
        const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "", port = 0;
        while (!port) {
          const { done, value } = await reader.read();
          if (done) throw new Error(`serve exited early:\n${buffer}`);
          buffer += value;
          const match = buffer.match(/at http:\/\/127\.0\.0\.1:(\d+)/);
          if (match) port = Number(match[1]);
        }
        lines.push(buffer);
        const url = `http://127.0.0.1:${port}`;
        try {
          assert.match(buffer, /preloaded \d+ knowledge vectors/);
          assert.equal((await (await fetch(`${url}/healthz`)).json()).status, "ok");
          const body = JSON.stringify({
            user: d.users.raw[1],
            items: [d.items.raw[1], d.items.raw[2]],
          });
          const denied = await fetch(`${url}/v1/score`, { method: "POST", body });
          assert.equal(denied.status, 401);
          await denied.body?.cancel();
          const res = await fetch(`${url}/v1/score`, {
            method: "POST",
            body,
            headers: { authorization: "Bearer cli-token-123", "content-type": "application/json" },
          });
          assert.equal(res.status, 200);
          assert.equal((await res.json()).scores.length, 2);
        } finally {
          child.kill("SIGTERM");
          const status = await child.status;
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            lines.push(value);
          }
          await child.stdout.cancel();
          assert.equal(status.code, 0, lines.join(""));
          assert.match(lines.join(""), /SIGTERM: draining[\s\S]*stopped/);
        }
      },
    );

    await t.step(
      "deno task serve --actor profile: on-demand knowledge from the bundle alone",
      async () => {
        const child = new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            new URL("../../../cli/serve.ts", import.meta.url).pathname,
            "--store",
            fx.store.path,
            "--model",
            dir,
            "--port",
            "0",
            "--actor",
            "profile",
            "--no-preload",
          ],
          stdout: "null",
          stderr: "piped",
        }).spawn();
        const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
        let text = "", port = 0;
        try {
          while (!port) {
            const { done, value } = await reader.read();
            if (done) throw new Error(`serve exited early:\n${text}`);
            text += value;
            port = Number(text.match(/at http:\/\/127\.0\.0\.1:(\d+)/)?.[1] ?? 0);
          }
          assert.match(
            text,
            /^actor: profile — a deterministic statistical profile .*\(no LLM\)$/m,
          );
          assert.match(text, /on-demand knowledge on/);
          const user = d.users.raw[2];
          const res = await fetch(`http://127.0.0.1:${port}/v1/knowledge/users/${user}`, {
            method: "POST",
            body: "{}",
            headers: { "content-type": "application/json" },
          });
          const trace = await res.json();
          assert.equal(res.status, 200, JSON.stringify(trace));
          assert.equal(trace.actor, "profile");
          assert.match(trace.final.text, /^Statistical profile \(no LLM\)/);
          const item = await fetch(
            `http://127.0.0.1:${port}/v1/knowledge/items/${fx.missingItem}`,
            {
              method: "POST",
              body: "{}",
              headers: { "content-type": "application/json" },
            },
          );
          assert.equal(item.status, 200, await item.clone().text());
          assert.match((await item.json()).final.text, /^Statistical item profile \(no LLM\)/);
        } finally {
          child.kill("SIGTERM");
          const status = await child.status;
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            text += value;
          }
          assert.equal(status.code, 0, text);
        }
      },
    );

    await t.step(
      "deno task serve --workers 2: two processes share the port, both stop",
      async () => {
        const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
        const port = (probe.addr as Deno.NetAddr).port;
        probe.close();
        const serve = new URL("../../../cli/serve.ts", import.meta.url).pathname;
        const base = ["run", "-A", serve, "--store", fx.store.path, "--model", dir];
        const refused = await new Deno.Command(Deno.execPath(), {
          args: [...base, "--port", String(port), "--workers", "2", "--actor", "profile"],
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert.equal(refused.code, 1);
        assert.match(new TextDecoder().decode(refused.stderr), /needs a single worker/);
        const child = new Deno.Command(Deno.execPath(), {
          args: [...base, "--port", String(port), "--workers", "2"],
          stdout: "null",
          stderr: "piped",
        }).spawn();
        const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
        let text = "";
        while ((text.match(/: serving /g) ?? []).length < 2) {
          const { done, value } = await reader.read();
          if (done) throw new Error(`serve exited early:\n${text}`);
          text += value;
        }
        try {
          for (let i = 0; i < 6; i++) {
            const res = await fetch(`http://127.0.0.1:${port}/healthz`);
            assert.equal((await res.json()).status, "ok");
          }
        } finally {
          child.kill("SIGTERM");
          const status = await child.status;
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            text += value;
          }
          assert.equal(status.code, 0, text);
          assert.match(text, /worker 1: stopped/);
          assert.match(text, /worker 2: stopped/);
        }
      },
    );

    await t.step("deno task serve: bad flags exit 2 with a one-line error", async () => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          new URL("../../../cli/serve.ts", import.meta.url).pathname,
          "--port",
          "x",
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 2);
      assert.match(new TextDecoder().decode(out.stderr), /^error: bad flags: --store: required/);
    });
  } finally {
    await fx.close();
  }
});
