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
import { dense, dinAttention, dinScores, type ExportContext, mlp } from "./layers.ts";

/** `x·W_kᵀ + b_k` for gate block k (0 = r, 1 = z, 2 = n) of a `[3H, in]` GRU weight. */
function gate(ctx: ExportContext, prefix: string, kind: "ih" | "hh", k: number, x: string) {
  const { g } = ctx, [rows, inDim] = ctx.shape(`${prefix}.weight_${kind}`), H = rows / 3;
  const w = ctx.value(`${prefix}.weight_${kind}`), b = ctx.value(`${prefix}.bias_${kind}`);
  const wT = new Float32Array(inDim * H);
  for (let o = 0; o < H; o++) {
    for (let i = 0; i < inDim; i++) wT[i * H + o] = w[(k * H + o) * inDim + i];
  }
  const hint = `${prefix}.${kind}${"rzn"[k]}`;
  const y = g.node("MatMul", [x, g.floats(`${hint}.weight_t`, wT, [inDim, H])], {}, hint);
  return g.node("Add", [y, g.floats(`${hint}.bias`, b.subarray(k * H, (k + 1) * H), [H])]);
}

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
  const input = [0, 1, 2].map((k) => gate(ctx, prefix, "ih", k, x));
  let h = g.node("Mul", [at(input[0], 0, `${prefix}.first`), g.scalar(`${prefix}.zero`, 0)]);
  const states: string[] = [];
  for (let t = 0; t < T; t++) {
    const p = `${prefix}.step${t}`;
    const gi = input.map((v, k) => at(v, t, `${p}.i${"rzn"[k]}`));
    const r = g.node(
      "Sigmoid",
      [g.node("Add", [gi[0], gate(ctx, prefix, "hh", 0, h)])],
      {},
      `${p}.r`,
    );
    const hn = g.node("Mul", [r, gate(ctx, prefix, "hh", 2, h)]);
    const c = g.node("Tanh", [g.node("Add", [gi[2], hn])], {}, `${p}.c`);
    let update: string; // the weight of c − h in h′ = h + update·(c − h)
    if (variant === "agru") update = at(options.scores!, t, `${p}.a`);
    else {
      const z = g.node(
        "Sigmoid",
        [g.node("Add", [gi[1], gate(ctx, prefix, "hh", 1, h)])],
        {},
        `${p}.z`,
      );
      update = variant === "gru"
        ? g.node("Sub", [g.scalar(`${p}.one`, 1), z])
        : g.node("Mul", [at(options.scores!, t, `${p}.a`), z]);
    }
    const next = g.node("Add", [h, g.node("Mul", [update, g.node("Sub", [c, h])])], {}, `${p}.h`);
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
