/**
 * The ONNX graph of FiGNN, mirroring `backbone/models/fignn.ts` (node states `[N, F, d]`).
 *
 * @module
 */
import type { BackboneGraph } from "./backbones.ts";
import { dense, type ExportContext, reduceSum, reshape } from "./layers.ts";

/** Rows `[from, from + rows)` of a torch-layout `[out, in]` weight, transposed to `[in, rows]`. */
function rowsTransposed(w: ArrayLike<number>, inDim: number, from: number, rows: number) {
  const t = new Float32Array(inDim * rows);
  for (let o = 0; o < rows; o++) {
    for (let k = 0; k < inDim; k++) t[k * rows + o] = w[(from + o) * inDim + k];
  }
  return t;
}

/** A `[F, d, d]` tensor as one initializer of its blocks transposed, for a batched MatMul. */
function perFieldWeight(ctx: ExportContext, name: string, F: number, d: number): string {
  const w = ctx.value(name), stacked = new Float32Array(F * d * d);
  for (let f = 0; f < F; f++) {
    stacked.set(rowsTransposed(w.subarray(f * d * d, (f + 1) * d * d), d, 0, d), f * d * d);
  }
  return ctx.g.floats(`${name}_t`, stacked, [F, d, d]);
}

/** `W_f·x_f` for each field `f` of `x` (`[N, F, d]`) with its own block of `w` (`perFieldWeight`). */
function perField(ctx: ExportContext, w: string, x: string, F: number, d: number, hint: string) {
  const rows = reshape(ctx, x, [0, F, 1, d], `${hint}.rows`);
  return reshape(ctx, ctx.g.node("MatMul", [rows, w], {}, `${hint}.mul`), [0, F, d], hint);
}

/** `FieldGraph`: `softmax_k(LeakyReLU(w_srcᵀe_j + w_dstᵀe_k))` without self-loops, `[N, F, F]`. */
function fieldGraph(ctx: ExportContext, e: string, F: number, d: number): string {
  const { g } = ctx, w = ctx.value("graph.weight");
  const half = (from: number, hint: string) =>
    g.node("MatMul", [e, g.floats(`${hint}.w`, w.subarray(from, from + d), [d, 1])], {}, hint);
  const src = half(0, "graph.src"); // [N, F, 1]
  const dst = g.node(
    "Transpose",
    [half(d, "graph.dst")],
    { perm: { ints: [0, 2, 1] } },
    "graph.dst_t",
  );
  const alpha = g.node("LeakyRelu", [g.node("Add", [src, dst], {}, "graph.scores")], {
    alpha: { float: 0.01 },
  }, "graph.alpha");
  const selfLoops = new Float32Array(F * F);
  for (let j = 0; j < F; j++) selfLoops[j * F + j] = -Infinity;
  const masked = g.node(
    "Add",
    [alpha, g.floats("graph.no_self_loops", selfLoops, [F, F])],
    {},
    "graph.masked",
  );
  return g.node("Softmax", [masked], { axis: { int: -1 } }, "graph.adjacency");
}

/** One GRU gate's input and hidden weights `[d, d]` (transposed) and biases `[d]`. */
interface GateWeights {
  wi: string;
  bi: string;
  wh: string;
  bh: string;
}

/** The initializers of `gru.*` split by gate (r, z, n), added once for every step. */
function gruWeights(ctx: ExportContext, d: number): Record<"r" | "z" | "n", GateWeights> {
  const { g } = ctx;
  const part = (name: string, gate: string, from: number) =>
    name.startsWith("weight")
      ? g.floats(`gru.${name}.${gate}`, rowsTransposed(ctx.value(`gru.${name}`), d, from, d), [
        d,
        d,
      ])
      : g.floats(`gru.${name}.${gate}`, ctx.value(`gru.${name}`).subarray(from, from + d), [d]);
  const gate = (name: string, from: number): GateWeights => ({
    wi: part("weight_ih", name, from),
    bi: part("bias_ih", name, from),
    wh: part("weight_hh", name, from),
    bh: part("bias_hh", name, from),
  });
  return { r: gate("r", 0), z: gate("z", d), n: gate("n", 2 * d) };
}

/** torch's GRU cell on every node (`[N, F, d]`): `h′ = (1 − z)·c + z·h`. */
function gruCell(
  ctx: ExportContext,
  weights: Record<"r" | "z" | "n", GateWeights>,
  x: string,
  h: string,
  hint: string,
): string {
  const { g } = ctx;
  const affine = (input: string, w: string, b: string, name: string) =>
    g.node("Add", [g.node("MatMul", [input, w], {}, `${name}.mul`), b], {}, name);
  const gate = (name: "r" | "z") => {
    const { wi, bi, wh, bh } = weights[name];
    const sum = g.node(
      "Add",
      [affine(x, wi, bi, `${hint}.${name}_x`), affine(h, wh, bh, `${hint}.${name}_h`)],
      {},
      `${hint}.${name}_sum`,
    );
    return g.node("Sigmoid", [sum], {}, `${hint}.${name}`);
  };
  const r = gate("r"), z = gate("z"), n = weights.n;
  const hn = g.node("Mul", [r, affine(h, n.wh, n.bh, `${hint}.n_h`)], {}, `${hint}.r_hn`);
  const c = g.node(
    "Tanh",
    [g.node("Add", [affine(x, n.wi, n.bi, `${hint}.n_x`), hn], {}, `${hint}.n_sum`)],
    {},
    `${hint}.c`,
  );
  // (1 − z)·c + z·h = c + z·(h − c)
  const mix = g.node("Mul", [z, g.node("Sub", [h, c], {}, `${hint}.h_minus_c`)], {}, `${hint}.mix`);
  return g.node("Add", [c, mix], {}, `${hint}.h`);
}

/**
 * FiGNN: the graph over the fields of x0, propagation steps sharing one set of weights, the
 * attentional readout; logits `[N, 1]`.
 *
 * @example
 * ```ts
 * import { createModel } from "../../backbone/create_model.ts";
 * import { OnnxGraph } from "./graph.ts";
 * import { exportContext, inputLayer } from "./layers.ts";
 * import { fignn } from "./graph_models.ts";
 * const model = createModel("fignn", {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 2, ratingValues: 6, embedDim: 4, seed: 1,
 * });
 * const ctx = exportContext(new OnnxGraph("fignn"), model);
 * const logits = fignn(ctx, inputLayer(ctx)); // [N, 1]
 * ```
 */
export const fignn: BackboneGraph = (ctx, input) => {
  const { g, model } = ctx, d = model.config.embedDim, F = model.input.fields;
  const e = reshape(ctx, input.x0, [0, F, d], "fignn.fields");
  const adjacency = fieldGraph(ctx, e, F, d);
  const wOut = perFieldWeight(ctx, "gnn.w_out", F, d), wIn = perFieldWeight(ctx, "gnn.w_in", F, d);
  const bias = g.floats("gnn.bias", ctx.value("gnn.bias"), [d]), gru = gruWeights(ctx, d);
  let h = e;
  for (let s = 0; s < model.config.propagationSteps!; s++) {
    const sent = perField(ctx, wOut, h, F, d, `gnn.${s}.sent`);
    const gathered = g.node("MatMul", [adjacency, sent], {}, `gnn.${s}.gathered`);
    const received = perField(ctx, wIn, gathered, F, d, `gnn.${s}.received`);
    const m = g.node("Add", [received, bias], {}, `gnn.${s}.m`);
    h = g.node("Add", [gruCell(ctx, gru, m, h, `gru.${s}`), e], {}, `fignn.${s}.h`);
  }
  const w = g.floats("readout.score.w", ctx.value("readout.score.weight"), [d, 1]);
  const scores = reshape(
    ctx,
    g.node("MatMul", [h, w], {}, "readout.score"),
    [0, F],
    "readout.scores",
  );
  const weights = g.node(
    "Sigmoid",
    [dense(ctx, "readout.gate", reshape(ctx, h, [0, F * d], "readout.flat"))],
    {},
    "readout.weights",
  );
  const weighted = g.node("Mul", [weights, scores], {}, "readout.weighted");
  return reduceSum(ctx, weighted, [1], true, "logit2d");
};
