import assert from "node:assert/strict";
import { AutoTokenizer } from "@huggingface/transformers";
import { plainPrompt, transformersGenerator } from "../../../adapters/llm/transformers.ts";
import { LlmRequestError } from "../../../adapters/llm/errors.ts";
import { sharedModel } from "../../helpers.ts";

const stories = sharedModel("stories260K");
const STORIES = stories ?? "";
/** A test of the real stories260K model: skipped (with one line, above) when it is absent. */
const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: stories === undefined, fn });
const once = { messages: [{ role: "user" as const, content: "Once upon a time" }] };

test("transformers: greedy stories260K continues 'Once upon a time' like llama2.c", async () => {
  const llm = await transformersGenerator({ model: STORIES });
  try {
    // Named by folder name and a hash of its config and tokenizer, wherever the folder lives.
    assert.match(llm.id, /^transformers:local\/stories260K@[0-9a-f]{12}$/);
    assert.equal(llm.kind, "llm");
    assert.equal(llm.usesChatTemplate, false);
    const out = await llm.generate({ ...once, params: { maxTokens: 40 } });
    const story = once.messages[0].content + out.text;
    assert.ok(
      story.startsWith("Once upon a time, there was a little girl named Lily."),
      `got: ${JSON.stringify(story)}`,
    );
    // <s> + 4 prompt tokens, as the tokenizer itself counts them.
    const tokenizer = await AutoTokenizer.from_pretrained(STORIES, { local_files_only: true });
    const ids = tokenizer("Once upon a time", { add_special_tokens: true }).input_ids.tolist()[0];
    assert.equal(out.usage.prompt, ids.length);
    assert.ok(out.usage.completion > 0 && out.usage.completion <= 40);
    assert.equal(out.finishReason, out.usage.completion === 40 ? "length" : "stop");
    // Greedy decoding is deterministic.
    assert.equal((await llm.generate({ ...once, params: { maxTokens: 40 } })).text, out.text);
    // Stop strings cut the text.
    const cut = await llm.generate({ ...once, params: { maxTokens: 40, stop: ["Lily"] } });
    assert.equal(cut.text, ", there was a little girl named ");
  } finally {
    await llm.dispose();
  }
});

test("transformers: sampling is reproducible by seed and differs across seeds", async () => {
  const llm = await transformersGenerator({ model: STORIES });
  try {
    const sample = async (seed: number) =>
      (await llm.generate({ ...once, params: { maxTokens: 30, temperature: 1, seed } })).text;
    const a = await sample(1);
    assert.equal(await sample(1), a);
    const others = await Promise.all([2, 3, 4].map(sample));
    assert.ok(others.some((t) => t !== a), "three other seeds all gave the same sample");
  } finally {
    await llm.dispose();
  }
});

test("transformers: a tokenizer with a chat template gets the rendered chat", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/onnx`);
    for (const f of ["config.json", "generation_config.json", "tokenizer.json"]) {
      await Deno.copyFile(`${STORIES}/${f}`, `${dir}/${f}`);
    }
    await Deno.copyFile(`${STORIES}/onnx/model.onnx`, `${dir}/onnx/model.onnx`);
    const config = JSON.parse(await Deno.readTextFile(`${STORIES}/tokenizer_config.json`));
    config.chat_template =
      "{{ bos_token }}{% for m in messages %}{{ m.content }}. {% endfor %}{% if add_generation_prompt %}Once{% endif %}";
    await Deno.writeTextFile(`${dir}/tokenizer_config.json`, JSON.stringify(config));

    const llm = await transformersGenerator({ model: dir, id: "stories-chat" });
    try {
      assert.equal(llm.usesChatTemplate, true);
      const out = await llm.generate({
        messages: [{ role: "system", content: "Tom had a dog" }, {
          role: "user",
          content: "The dog was big",
        }],
        params: { maxTokens: 12 },
      });
      const tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
      const rendered = "<s>Tom had a dog. The dog was big. Once";
      const expected = tokenizer(rendered, { add_special_tokens: false }).input_ids.tolist()[0];
      assert.equal(out.usage.prompt, expected.length);
      assert.ok(out.text.length > 0);
    } finally {
      await llm.dispose();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("transformers: plain prompts join contents; a missing model is a clear error", async () => {
  assert.equal(
    plainPrompt([{ role: "system", content: "a" }, { role: "user", content: "b" }]),
    "a\n\nb",
  );
  const missing = `${await Deno.makeTempDir()}/nothing-here`;
  await Deno.mkdir(missing);
  try {
    await assert.rejects(
      transformersGenerator({ model: missing }),
      (e) => e instanceof LlmRequestError && e.message.includes(`${missing} has no config.json`),
    );
    await assert.rejects(
      transformersGenerator({ model: `${missing}/deeper` }),
      (e) => e instanceof LlmRequestError && e.message.includes(`no model folder at ${missing}`),
    );
    await assert.rejects(
      transformersGenerator({ model: missing, maxPromptTokens: 0.5 }),
      /maxPromptTokens must be an integer > 1/,
    );
  } finally {
    await Deno.remove(missing);
  }
});

test("transformers: maxPromptTokens keeps BOS and the end of a long prompt, so it fits", async () => {
  const llm = await transformersGenerator({ model: STORIES, maxPromptTokens: 400 });
  try {
    assert.match(llm.id, /^transformers:local\/stories260K@[0-9a-f]{12}#maxPromptTokens=400$/);
    const long = "Lily had a red ball. ".repeat(60) + "Once upon a time";
    const out = await llm.generate({
      messages: [{ role: "user", content: long }],
      params: { maxTokens: 24 },
    });
    assert.equal(out.usage.prompt, 400);
    assert.ok(out.usage.completion > 0);
    // Greedy decoding of the cut prompt is deterministic.
    const again = await llm.generate({
      messages: [{ role: "user", content: long }],
      params: { maxTokens: 24 },
    });
    assert.equal(again.text, out.text);
    // A prompt under the cap is not touched.
    const short = await llm.generate({ ...once, params: { maxTokens: 8 } });
    assert.equal(short.usage.prompt, 5);
  } finally {
    await llm.dispose();
  }
});

test("transformers: prompts longer than the model context are rejected clearly", async () => {
  const llm = await transformersGenerator({ model: STORIES });
  try {
    const long = {
      messages: [{ role: "user" as const, content: "Once upon a time ".repeat(200) }],
    };
    // The config allows 512 positions; 200 x 4 prompt tokens do not fit.
    await assert.rejects(
      llm.generate({ ...long, params: { maxTokens: 10 } }),
      (e) =>
        e instanceof LlmRequestError && /exceeds the model's context of 512 tokens/.test(e.message),
    );
    // A short prompt with too many new tokens is rejected too.
    await assert.rejects(llm.generate({ ...once, params: { maxTokens: 600 } }), /context of 512/);
  } finally {
    await llm.dispose();
  }
  const small = await transformersGenerator({ model: STORIES, maxContext: 8 });
  try {
    await assert.rejects(
      small.generate({ ...once, params: { maxTokens: 4 } }),
      /context of 8 tokens/,
    );
  } finally {
    await small.dispose();
  }
});

test("transformers: an aborted signal rejects before generating", async () => {
  const llm = await transformersGenerator({ model: STORIES });
  try {
    const controller = new AbortController();
    controller.abort(new Error("stop now"));
    await assert.rejects(llm.generate(once, controller.signal), /stop now/);
  } finally {
    await llm.dispose();
  }
});
