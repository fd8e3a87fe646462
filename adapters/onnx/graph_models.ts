/**
 * The ONNX graph of FiGNN, mirroring `backbone/models/fignn.ts` (node states `[N, F, d]`).
 *
 * @module
 */
import type { BackboneGraph } from "./backbones.ts";
import { affine, gruStep, gruTensors } from "./gru.ts";
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
  const bias = g.floats("gnn.bias", ctx.value("gnn.bias"), [d]), gru = gruTensors(ctx, "gru");
  let h = e;
  for (let s = 0; s < model.config.propagationSteps!; s++) {
    const sent = perField(ctx, wOut, h, F, d, `gnn.${s}.sent`);
    const gathered = g.node("MatMul", [adjacency, sent], {}, `gnn.${s}.gathered`);
    const received = perField(ctx, wIn, gathered, F, d, `gnn.${s}.received`);
    const m = g.node("Add", [received, bias], {}, `gnn.${s}.m`);
    const gi = {
      r: affine(ctx, m, gru.r.wi, gru.r.bi, `gru.${s}.ir`),
      z: affine(ctx, m, gru.z.wi, gru.z.bi, `gru.${s}.iz`),
      n: affine(ctx, m, gru.n.wi, gru.n.bi, `gru.${s}.in`),
    };
    h = g.node("Add", [gruStep(ctx, gru, gi, h, `gru.${s}`), e], {}, `fignn.${s}.h`);
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
