/**
 * Each backbone's forward pass as an ONNX graph from the input layer's outputs to one logit per
 * sample, mirroring `backbone/models/*.ts` in inference mode.
 *
 * @module
 */
import { fignn } from "./graph_models.ts";
import { INPUT_NAMES } from "./inputs.ts";
import { fibinet, xdeepfm } from "./interaction_graphs.ts";
import { dien, gru4rec } from "./recurrent_graphs.ts";
import {
  dense,
  dinAttention,
  type ExportContext,
  type InputGraph,
  mlp,
  reduceSum,
  reshape,
} from "./layers.ts";

/**
 * Builds a backbone's logits `[N, 1]` from its input layer.
 *
 * @example
 * ```ts
 * import type { BackboneGraph } from "./backbones.ts";
 * const identity: BackboneGraph = (_ctx, input) => input.x0;
 * ```
 */
export type BackboneGraph = (ctx: ExportContext, input: InputGraph) => string;

/** `FinalMLP` then `final_fc` (DIN and DCN). */
function head(ctx: ExportContext, x: string): string {
  return dense(ctx, "final_fc", mlp(ctx, "final_mlp", x, ctx.model.config.mlp.length));
}

/** DIN: history steps mapped to |q|, attention pooling, `FinalMLP([u; q; dens])`. */
const din: BackboneGraph = (ctx, input) => {
  const c = ctx.model.config;
  const keys = dense(ctx, "map", input.hist);
  const u = dinAttention(ctx, input.q, keys, c.attentionMlp!.length);
  const parts = input.dens ? [u, input.q, input.dens] : [u, input.q];
  return head(ctx, ctx.g.node("Concat", parts, { axis: { int: 1 } }, "head.in"));
};

/** DCN v1 and DCNv2: cross network and deep MLP on x0, then the head. */
const dcn: BackboneGraph = (ctx, input) => {
  const { g, model } = ctx, c = model.config, layers = c.crossLayers!;
  const deep = mlp(ctx, "deep", input.x0, c.mlp.length);
  let xl = input.x0;
  for (let l = 0; l < layers; l++) {
    const p = `cross.${l}`;
    if (model.name === "dcnv2") {
      xl = g.node(
        "Add",
        [g.node("Mul", [input.x0, dense(ctx, p, xl)], {}, `${p}.gated`), xl],
        {},
        p,
      );
      continue;
    }
    // v1: x_{l+1} = x0·(x_lᵀw) + b + x_l.
    const X = ctx.shape(`${p}.weight`)[0];
    const w = g.floats(`${p}.weight`, ctx.value(`${p}.weight`), [X, 1]);
    let t = g.node("Mul", [input.x0, g.node("MatMul", [xl, w], {}, `${p}.dot`)], {}, `${p}.x0s`);
    t = g.node("Add", [t, g.floats(`${p}.bias`, ctx.value(`${p}.bias`), [X])], {}, `${p}.biased`);
    xl = g.node("Add", [t, xl], {}, p);
  }
  return head(ctx, g.node("Concat", [deep, xl], { axis: { int: 1 } }, "head.in"));
};

/** DeepFM: first order + FM second order over the fields of `[q; h̄]` + DNN. */
const deepfm: BackboneGraph = (ctx, input) => {
  const { g, model } = ctx, c = model.config, d = c.embedDim;
  const first = (name: string, ids: string, hint: string) =>
    g.node("Gather", [g.floats(name, ctx.value(name), ctx.shape(name)), ids], {
      axis: { int: 0 },
    }, hint);
  let linear = g.node(
    "Add",
    [
      first("fm.first.item", INPUT_NAMES.item, "fm.first.item_w"), // [N, 1]
      reduceSum(ctx, first("fm.first.attr", INPUT_NAMES.attrs, "fm.first.attr_w"), [1], false),
    ],
    {},
    "fm.first",
  );
  if (input.dens) {
    const w = g.floats("fm.first.dense", ctx.value("fm.first.dense"), ctx.shape("fm.first.dense"));
    linear = g.node(
      "Add",
      [linear, g.node("MatMul", [input.dens, w], {}, "fm.first.dense_w")],
      {},
      "fm.first_all",
    );
  }
  const qh = g.node("Concat", [input.q, input.histMean], { axis: { int: 1 } }, "fm.fields_flat");
  const fields = reshape(ctx, qh, [0, -1, d], "fm.fields"); // [N, F0, d]
  const sum = reduceSum(ctx, fields, [1], false, "fm.sum");
  const sumSq = reduceSum(
    ctx,
    g.node("Mul", [fields, fields], {}, "fm.sq"),
    [1],
    false,
    "fm.sum_sq",
  );
  const cross = g.node("Sub", [g.node("Mul", [sum, sum], {}, "fm.sum2"), sumSq], {}, "fm.pairs");
  const second = g.node(
    "Mul",
    [
      reduceSum(ctx, cross, [1], true, "fm.second_sum"),
      g.scalar("fm.half", 0.5),
    ],
    {},
    "fm.second",
  );
  const dnn = dense(ctx, "deep_fc", mlp(ctx, "deep", input.x0, c.mlp.length));
  return g.node("Add", [g.node("Add", [linear, second], {}, "fm.logit"), dnn], {}, "logit2d");
};

/** AutoInt: self-attention layers over the d-wide fields of x0, then one Linear. */
const autoint: BackboneGraph = (ctx, input) => {
  const { g, model } = ctx, c = model.config;
  const H = c.attentionHeads!, dk = c.attentionSize!, O = H * dk;
  const F = ctx.model.input.fields;
  let x = reshape(ctx, input.x0, [0, F, c.embedDim], "autoint.fields"); // [N, F, d]
  for (let l = 0; l < c.attentionLayers!; l++) {
    const p = `attention.${l}`;
    // [N, F, O] → [N, H, F, dk]
    const heads = (y: string, name: string) =>
      g.node("Transpose", [reshape(ctx, y, [0, F, H, dk], `${p}.${name}_split`)], {
        perm: { ints: [0, 2, 1, 3] },
      }, `${p}.${name}_heads`);
    const q = heads(dense(ctx, `${p}.query`, x), "q");
    const k = heads(dense(ctx, `${p}.key`, x), "k");
    const v = heads(dense(ctx, `${p}.value`, x), "v");
    const kT = g.node("Transpose", [k], { perm: { ints: [0, 1, 3, 2] } }, `${p}.k_t`);
    const scores = g.node(
      "Mul",
      [
        g.node("MatMul", [q, kT], {}, `${p}.qk`),
        g.scalar(`${p}.scale`, 1 / Math.sqrt(dk)),
      ],
      {},
      `${p}.scores`,
    );
    const att = g.node("Softmax", [scores], { axis: { int: -1 } }, `${p}.softmax`);
    const mixed = g.node("Transpose", [g.node("MatMul", [att, v], {}, `${p}.av`)], {
      perm: { ints: [0, 2, 1, 3] },
    }, `${p}.merged_heads`);
    const y = reshape(ctx, mixed, [0, F, O], `${p}.merged`);
    const residual = ctx.has(`${p}.residual.weight`) ? dense(ctx, `${p}.residual`, x) : x;
    x = g.node("Relu", [g.node("Add", [y, residual], {}, `${p}.sum`)], {}, `${p}.out`);
  }
  return dense(ctx, "attention_out", reshape(ctx, x, [0, F * O], "autoint.flat"));
};

/**
 * The graph of each backbone this exporter knows. Optional per backbone: one without a graph
 * trains and serves but is not exported (`exportOnnx` says so).
 *
 * @example
 * ```ts
 * import { BACKBONE_GRAPHS } from "./backbones.ts";
 * console.log(Object.keys(BACKBONE_GRAPHS)); // din, dcn, dcnv2, deepfm, autoint, xdeepfm, fibinet, fignn, gru4rec, dien
 * ```
 */
export const BACKBONE_GRAPHS: Readonly<Partial<Record<string, BackboneGraph>>> = {
  din,
  dcn,
  dcnv2: dcn,
  deepfm,
  autoint,
  xdeepfm,
  fibinet,
  fignn,
  gru4rec,
  dien,
};
