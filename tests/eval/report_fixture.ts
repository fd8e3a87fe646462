/**
 * A small synthetic eval report for the report tests: two backbones, three conditions, three
 * seeds (one stopping early), two reflection rounds, and markup in the names that must be escaped.
 */
import type { ModelName } from "../../backbone/types.ts";
import type { Condition } from "../../eval/conditions.ts";
import type { EvalReport, TrainingResult } from "../../eval/run_eval.ts";
import type { KnowledgeStats } from "../../eval/knowledge_stats.ts";

/** A name that is markup, to check escaping. */
export const MARKUP = `<b class="x">&'</b>`;

const SEEDS = [1, 2, 3];
const CONDITIONS: Condition[] = ["base", "reasoning", "r4"];

/** Validation AUC of a (backbone, condition, seed) after an epoch: a made-up, rising curve. */
export function validAucOf(b: number, c: number, seed: number, epoch: number): number {
  return 0.55 + 0.01 * c + 0.004 * b + 0.002 * seed + 0.01 * Math.log(epoch);
}

function run(b: number, c: number, seed: number): TrainingResult {
  // Seed 3 stops after two epochs, the others train four.
  const epochs = seed === 3 ? 2 : 4;
  const curve = Array.from({ length: epochs }, (_, k) => ({
    epoch: k + 1,
    validAuc: validAucOf(b, c, seed, k + 1),
  }));
  return {
    auc: 0.6 + 0.01 * c + 0.003 * seed + 0.002 * b,
    logloss: 0.66 - 0.002 * c,
    validAuc: curve.at(-1)!.validAuc,
    bestEpoch: epochs,
    epochs,
    curve,
    seconds: 1.5,
  };
}

function spread(values: number[]) {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
  return { mean, std, values };
}

function stats(records: number, rounds: [number, number][], refinements: number[]): KnowledgeStats {
  return {
    records,
    refinements: Object.fromEntries(refinements.map((n, k) => [String(k), n])),
    rounds: rounds.map(([judged, reasonable], k) => ({
      round: k + 1,
      judged,
      reasonable,
      reasonableRate: reasonable / judged,
      unparsable: 0,
    })),
    parseFailures: 0,
    tokens: { prompt: 0, completion: 0 },
    meanWords: 100,
    changedByRefinement: records - refinements[0],
  };
}

/**
 * The report; `backbones` names the backbones (the second holds markup by default).
 *
 * @example
 * ```ts
 * import { fixtureReport } from "./report_fixture.ts";
 * console.log(fixtureReport().results.length); // 6
 * ```
 */
export function fixtureReport(backbones = ["din", `dcn${MARKUP}`]): EvalReport {
  const results = backbones.flatMap((backbone, b) =>
    CONDITIONS.map((condition, c) => {
      const runs = SEEDS.map((seed) => run(b, c, seed));
      return {
        backbone: backbone as ModelName,
        condition,
        auc: spread(runs.map((x) => x.auc)),
        logloss: spread(runs.map((x) => x.logloss)),
        runs,
        ...(condition === "base" ? {} : { gainOverBase: 1.5 * c, beatsBaseBeyondSpread: c > 1 }),
      };
    })
  );
  return {
    dataset: {
      dataset: `synthetic ${MARKUP}`,
      users: 60,
      items: 80,
      attributes: 8,
      historyLength: 10,
      train: { samples: 1000, positiveRate: 0.46 },
      valid: { samples: 100, positiveRate: 0.45 },
      test: { samples: 300, positiveRate: 0.45 },
      userKnowledgeInputs: 60,
      itemKnowledgeInputs: 80,
      fingerprint: "0123456789abcdef",
      origin: `built-in synthetic dataset ${MARKUP}`,
    },
    components: {
      actor: `profile — a deterministic statistical profile of interaction data (no LLM) ${MARKUP}`,
      reflector: "grounded — checks the actor's verdicts against the real ratings (no LLM)",
      encoder: "hashing — feature hashing with a seeded random projection (no model weights)",
      encoderId: "hashing:v1:d64",
    },
    settings: {
      backbones: backbones as ModelName[],
      conditions: CONDITIONS,
      rounds: 2,
      seeds: SEEDS,
      epochs: 4,
      patience: 2,
      batchSize: 256,
      lr: 0.001,
      schedule: "cosine",
      selection: "best validation AUC (early stopping)",
    },
    baselines: [
      { name: "user positive rate", auc: 0.59, logloss: 0.678 },
      { name: "naive Bayes (user + item)", auc: 0.64, logloss: 0.656 },
    ],
    knowledge: {
      // Users: 60 judged in round 1, 12 refined; 12 judged in round 2, 5 refined again.
      user: stats(60, [[60, 48], [12, 7]], [48, 7, 5]),
      item: stats(80, [[80, 50], [30, 20]], [50, 20, 10]),
      coverage: { train: { user: 1, item: 1 } },
      examples: {
        user: [{ id: `7${MARKUP}`, refined: true }, { id: "8", refined: false }],
        item: [{ id: "i 9", refined: true }],
      },
    },
    results,
    r4VersusReasoning: backbones.map((b) => ({
      backbone: b as ModelName,
      deltaAuc: 0.01,
      beyondSpread: true,
    })),
    r4VersusHistory: [],
    r4VersusStatistics: [],
    timings: { knowledgeSeconds: 1.2, trainingSeconds: 9.8 },
  };
}
