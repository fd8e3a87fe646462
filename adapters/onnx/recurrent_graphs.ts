/**
 * The ONNX graphs of GRU4Rec and DIEN, mirroring `backbone/models/gru4rec.ts` and
 * `backbone/models/dien.ts`. The GRUs are unrolled over the fixed history length with basic
 * operators (MatMul, Sigmoid, Tanh, Where), so any ONNX runtime runs them.
 *
 * @module
 */
import type { GruVariant } from "../../backbone/layers/gru.ts";
import type { BackboneGraph } from "./backbones.ts";
import { INPUT_NAMES } from "./inputs.ts";
import { affine, gruStep, gruTensors } from "./gru.ts";
import { dense, dinAttention, dinScores, type ExportContext, mlp } from "./layers.ts";

/** Whether each history step is a real item, `[N, T, 1]` booleans. */
function realSteps(ctx: ExportContext, hint: string): string {
  const { g } = ctx;
  const padding = g.node("Equal", [INPUT_NAMES.histItem, g.int64s(`${hint}.padding`, [0], [])]);
  return g.node("Unsqueeze", [g.node("Not", [padding]), g.int64s(`${hint}.axes`, [2])], {}, hint);
}

/**
 * `GruSequence` from a zero state over `x` `[N, T, in]`: padded steps keep the state (`Where`).
 * `scores` `[N, T, 1]` drive `agru`/`augru`. Returns the states `[N, T, H]` and the last `[N, H]`.
 */
function gruSequence(
  ctx: ExportContext,
  prefix: string,
  x: string,
  options: { variant: GruVariant; scores?: string },
): { states: string; last: string } {
  const { g } = ctx, T = ctx.model.config.historyLength, { variant } = options;
  const real = realSteps(ctx, `${prefix}.real`);
  const at = (v: string, t: number, hint: string) =>
    g.node("Gather", [v, g.int64s(`${hint}.index`, [t], [])], { axis: { int: 1 } }, hint);
  // The input products of every step at once, `[N, T, H]` per gate.
  const w = gruTensors(ctx, prefix);
  const input = {
    r: affine(ctx, x, w.r.wi, w.r.bi, `${prefix}.ir`),
    z: affine(ctx, x, w.z.wi, w.z.bi, `${prefix}.iz`),
    n: affine(ctx, x, w.n.wi, w.n.bi, `${prefix}.in`),
  };
  let h = g.node("Mul", [at(input.r, 0, `${prefix}.first`), g.scalar(`${prefix}.zero`, 0)]);
  const states: string[] = [];
  for (let t = 0; t < T; t++) {
    const p = `${prefix}.step${t}`;
    const gi = {
      r: at(input.r, t, `${p}.ir`),
      z: at(input.z, t, `${p}.iz`),
      n: at(input.n, t, `${p}.in`),
    };
    const score = options.scores ? at(options.scores, t, `${p}.a`) : undefined;
    const next = gruStep(ctx, w, gi, h, p, { variant, score });
    h = g.node("Where", [at(real, t, `${p}.real`), next, h], {}, `${p}.kept`);
    states.push(g.node("Unsqueeze", [h, g.int64s(`${p}.axes`, [1])]));
  }
  return { states: g.node("Concat", states, { axis: { int: 1 } }, `${prefix}.states`), last: h };
}

/** `FinalMLP` then `final_fc`. */
function head(ctx: ExportContext, parts: (string | null)[]): string {
  const x = ctx.g.node("Concat", parts.filter((p) => p !== null), { axis: { int: 1 } }, "head.in");
  return dense(ctx, "final_fc", mlp(ctx, "final_mlp", x, ctx.model.config.mlp.length));
}

/** GRU4Rec: `FinalMLP([h̄; mean_τ g_τ; q; out(value(q)); dens])`. */
export const gru4rec: BackboneGraph = (ctx, input) => {
  const { g } = ctx;
  const { states } = gruSequence(ctx, "history_gru", input.hist, { variant: "gru" });
  const gMean = g.node("ReduceMean", [states], {
    axes: { ints: [1] },
    keepdims: { int: 0 },
  }, "history_gru.mean");
  const att = dense(ctx, "item_attention.out", dense(ctx, "item_attention.value", input.q));
  return head(ctx, [input.histMean, gMean, input.q, att, input.dens]);
};

/** DIEN: extractor GRU, then the configured evolution, `FinalMLP([interest; q; dens])`. */
export const dien: BackboneGraph = (ctx, input) => {
  const { g } = ctx, c = ctx.model.config, layers = c.attentionMlp!.length;
  const s = gruSequence(ctx, "extractor", input.hist, { variant: "gru" }).states;
  let interest: string;
  const evolution = c.interestEvolution!;
  if (evolution === "gru") {
    const { states } = gruSequence(ctx, "evolution", s, { variant: "gru" });
    interest = dinAttention(ctx, input.q, states, layers);
  } else {
    const scores = dinScores(ctx, input.q, s, layers); // [N, T, 1]
    interest = evolution === "aigru"
      ? gruSequence(ctx, "evolution", g.node("Mul", [scores, s], {}, "evolution.in"), {
        variant: "gru",
      }).last
      : gruSequence(ctx, "evolution", s, { variant: evolution, scores }).last;
  }
  return head(ctx, [interest, input.q, input.dens]);
};
