import assert from "node:assert/strict";
import { DeferredGeneration, isDeferred } from "../../plugins/deferred.ts";
import { runKnowledgeJob } from "../../plugins/knowledge_job.ts";
import { llmActor } from "../../plugins/llm_actor.ts";
import { llmReflector } from "../../plugins/llm_reflector.ts";
import { r4 } from "../../plugins/r4.ts";
import type {
  ChatRequest,
  ChatResult,
  KnowledgeRecord,
  TextGenerator,
} from "../../plugins/types.ts";
import { movieDomain } from "../../plugins/domain.ts";
import { roleOfPrompt } from "./scripted_generator.ts";

const NOT_REASONABLE =
  "<Final Judgement>The user preference is not reasonable</Final Judgement>\n" +
  "<Reflection>It ignores the dislikes.</Reflection>";

/** Answers what `known` holds for a role, defers every other request. */
function deferring(known: Partial<Record<string, string>>, deferred: DeferredGeneration[]) {
  const generator: TextGenerator = {
    id: "deferring",
    kind: "deterministic",
    generate(request: ChatRequest): Promise<ChatResult> {
      const prompt = request.messages.at(-1)!.content;
      const text = known[roleOfPrompt(prompt)];
      if (text !== undefined) {
        return Promise.resolve({
          text,
          usage: { prompt: 1, completion: 1 },
          latencyMs: 1,
          model: "m",
          cached: false,
        });
      }
      const error = new DeferredGeneration({ key: prompt, generator: "deferring", request });
      deferred.push(error);
      return Promise.reject(error);
    },
  };
  return generator;
}

const tasks = Array.from({ length: 5 }, (_, i) => ({
  kind: "user" as const,
  key: `u${i}`,
  domain: movieDomain,
  history: [{ title: `Heat ${i} (1995)`, rating: 5 }, { title: "Big (1988)", rating: 1 }],
}));

function memoryStore() {
  const records: KnowledgeRecord[] = [];
  return {
    records,
    completedKeys: () => Promise.resolve(new Set<string>()),
    putKnowledge: (r: KnowledgeRecord) => Promise.resolve(void records.push(r)),
    getKnowledge: (key: string) => Promise.resolve(records.find((r) => r.key === key)),
  };
}

Deno.test("deferred generations: the job counts the tasks as deferred, not failed, and writes none", async () => {
  for (
    const [known, step] of [
      [{}, { stage: "reason", round: 0 }],
      [{ reason: "Enjoys heists." }, { stage: "reflect", round: 1 }],
      [{ reason: "Enjoys heists.", reflect: NOT_REASONABLE }, { stage: "refine", round: 1 }],
    ] as const
  ) {
    const deferred: DeferredGeneration[] = [];
    const generator = deferring(known, deferred);
    const store = memoryStore();
    const summary = await runKnowledgeJob({
      tasks,
      stage: r4({
        actor: llmActor({ generator }),
        reflector: llmReflector({ generator }),
        rounds: 2,
      }),
      store,
      onTaskError: "stop",
    });
    assert.deepEqual([summary.deferred, summary.failed, summary.written], [5, 0, 0]);
    assert.equal(summary.cancelled, false);
    assert.equal(store.records.length, 0);
    assert.equal(deferred.length, 5);
    assert.ok(deferred.every((d) => isDeferred(d)));
    assert.deepEqual(deferred.map((d) => d.step), Array(5).fill(step), JSON.stringify(known));
    // The stage's own parser comes with the deferral.
    const check = deferred[0].check!;
    if (step.stage === "reflect") {
      assert.equal(check(NOT_REASONABLE), undefined);
      assert.match(check("Looks fine.")!, /Final Judgement/);
    } else {
      assert.equal(check("Enjoys heists; avoids comedies."), undefined);
      assert.match(check("")!, /empty/);
    }
  }
});
