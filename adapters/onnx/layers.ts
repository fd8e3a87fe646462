/**
 * The backbone's layers as ONNX subgraphs, reading the trained tensors by their r4ec names:
 * linear layers and MLPs, the shared input layer (embedding lookups, history mean, knowledge
 * adaptor), and the DIN attention with Dice on its running statistics.
 *
 * @module
 */
import type { CtrModel } from "../../backbone/model.ts";
import type { Floats } from "../../backbone/types.ts";
import type { OnnxGraph } from "./graph.ts";
import { INPUT_NAMES } from "./inputs.ts";

/**
 * The graph being built and the model's tensors by name.
 *
 * @example
 * ```ts
 * import type { ExportContext } from "./layers.ts";
 * const widthOf = (ctx: ExportContext, name: string) => ctx.shape(name).at(-1);
 * ```
 */
export interface ExportContext {
  g: OnnxGraph;
  model: CtrModel;
  /** Values of a parameter or state tensor; throws naming the tensor when it is absent. */
  value(name: string): Floats;
  /** Its shape. */
  shape(name: string): number[];
  /** Whether the model has a tensor of that name. */
  has(name: string): boolean;
}

/**
 * The context of `model`'s tensors on `g`.
 *
 * @example
 * ```ts
 * import { createModel } from "../../backbone/create_model.ts";
 * import { OnnxGraph } from "./graph.ts";
 * import { exportContext } from "./layers.ts";
 * const model = createModel("dcn", {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 2, ratingValues: 6,
 *   embedDim: 4, mlp: [8], seed: 1,
 * });
 * const ctx = exportContext(new OnnxGraph("dcn"), model);
 * console.log(ctx.shape("embedding.item")); // [10, 4]
 * ```
 */
export function exportContext(g: OnnxGraph, model: CtrModel): ExportContext {
  const tensors = new Map(model.store.tensors().map((t) => [t.name, t]));
  const get = (name: string) => {
    const t = tensors.get(name);
    if (!t) throw new Error(`exportOnnx: model "${model.name}" has no tensor "${name}"`);
    return t;
  };
  return {
    g,
    model,
    value: (name) => get(name).value,
    shape: (name) => get(name).shape,
    has: (name) => tensors.has(name),
  };
}

/** `Wᵀ` of a torch-layout `[out, in]` weight, keeping only its first `columns` inputs. */
function transposed(w: Floats, out: number, inDim: number, columns: number): Float32Array {
  const t = new Float32Array(columns * out);
  for (let o = 0; o < out; o++) {
    for (let k = 0; k < columns; k++) t[k * out + o] = w[o * inDim + k];
  }
  return t;
}

/**
 * `x·Wᵀ + b` over the last axis of `x` (any rank), then ReLU when `relu`. `columns` keeps the
 * first inputs of W only: knowledge vectors narrower than the adaptor's input are zero-padded in
 * r4ec, so the padded columns never contribute.
 *
 * @example
 * ```ts
 * import { createModel } from "../../backbone/create_model.ts";
 * import { OnnxGraph } from "./graph.ts";
 * import { dense, exportContext } from "./layers.ts";
 * const model = createModel("din", {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6, embedDim: 8, mlp: [16], seed: 1,
 * });
 * const ctx = exportContext(new OnnxGraph("din"), model);
 * const hidden = ctx.g.input("hidden", "float32", ["batch", 16], "the last MLP layer's output");
 * const logits = dense(ctx, "final_fc", hidden); // reads final_fc.weight and .bias
 * ```
 */
export function dense(
  ctx: ExportContext,
  prefix: string,
  x: string,
  options: { relu?: boolean; columns?: number } = {},
): string {
  const [out, inDim] = ctx.shape(`${prefix}.weight`);
  const columns = options.columns ?? inDim;
  const w = ctx.g.floats(
    `${prefix}.weight_t`,
    transposed(ctx.value(`${prefix}.weight`), out, inDim, columns),
    [columns, out],
  );
  let y = ctx.g.node("MatMul", [x, w], {}, `${prefix}.matmul`);
  if (ctx.has(`${prefix}.bias`)) {
    const b = ctx.g.floats(`${prefix}.bias`, ctx.value(`${prefix}.bias`), [out]);
    y = ctx.g.node("Add", [y, b], {}, `${prefix}.out`);
  }
  return options.relu ? ctx.g.node("Relu", [y], {}, `${prefix}.relu`) : y;
}

/**
 * An r4ec `Mlp`: `Dense + ReLU` for each of `layers` layers named `{prefix}.{i}`.
 *
 * @example
 * ```ts
 * import { createModel } from "../../backbone/create_model.ts";
 * import { OnnxGraph } from "./graph.ts";
 * import { exportContext, inputLayer, mlp } from "./layers.ts";
 * const model = createModel("dcn", {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6, embedDim: 8, mlp: [16, 16], seed: 1,
 * });
 * const ctx = exportContext(new OnnxGraph("dcn"), model);
 * const deep = mlp(ctx, "deep", inputLayer(ctx).x0, 2); // deep.0, deep.1
 * ```
 */
export function mlp(
  ctx: ExportContext,
  prefix: string,
  x: string,
  layers: number,
  columns?: number,
): string {
  let h = x;
  for (let i = 0; i < layers; i++) {
    h = dense(ctx, `${prefix}.${i}`, h, { relu: true, columns: i === 0 ? columns : undefined });
  }
  return h;
}

/**
 * `Reshape(x, dims)`; 0 copies the input's dimension, -1 is inferred.
 *
 * @example
 * ```ts
 * import { createModel } from "../../backbone/create_model.ts";
 * import { OnnxGraph } from "./graph.ts";
 * import { exportContext, inputLayer, reshape } from "./layers.ts";
 * const model = createModel("dcn", {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6, embedDim: 8, mlp: [16], seed: 1,
 * });
 * const ctx = exportContext(new OnnxGraph("dcn"), model);
 * const fields = reshape(ctx, inputLayer(ctx).x0, [0, 5, 8]); // [N, 40] → [N, 5, 8]
 * ```
 */
export function reshape(ctx: ExportContext, x: string, dims: number[], hint = "reshape"): string {
  return ctx.g.node("Reshape", [x, ctx.g.int64s(`${hint}.shape`, dims)], {}, hint);
}

/**
 * `ReduceSum(x)` over `axes` (opset 13 takes the axes as an input).
 *
 * @example
 * ```ts
 * import { createModel } from "../../backbone/create_model.ts";
 * import { OnnxGraph } from "./graph.ts";
 * import { exportContext, reduceSum } from "./layers.ts";
 * const model = createModel("din", {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6, embedDim: 8, mlp: [16], seed: 1,
 * });
 * const ctx = exportContext(new OnnxGraph("din"), model);
 * const weighted = ctx.g.input("weighted", "float32", ["batch", 5, 8], "weighted history steps");
 * const pooled = reduceSum(ctx, weighted, [1], false); // [N, T, D] → [N, D]
 * ```
 */
export function reduceSum(
  ctx: ExportContext,
  x: string,
  axes: number[],
  keepdims: boolean,
  hint = "sum",
): string {
  return ctx.g.node("ReduceSum", [x, ctx.g.int64s(`${hint}.axes`, axes)], {
    keepdims: { int: keepdims ? 1 : 0 },
  }, hint);
}

/**
 * What the input layer computes: q, the history steps, their mean, dens and x0 (value names).
 *
 * @example
 * ```ts
 * import type { InputGraph } from "./layers.ts";
 * const hasKnowledge = (input: InputGraph) => input.dens !== null;
 * ```
 */
export interface InputGraph {
  /** `[N, (1 + A)·d]`. */
  q: string;
  /** History steps `[N, T, (2 + A)·d]`. */
  hist: string;
  /** History mean `[N, (2 + A)·d]`. */
  histMean: string;
  /** Knowledge features `[N, 2·E]`, or null without knowledge. */
  dens: string | null;
  /** `[q; h̄; dens]`, `[N, x0Dim]`. */
  x0: string;
}

/**
 * The shared input layer (`backbone/input_layer.ts`): `q = [E_item(i); E_attr(a)]`, the history
 * steps `[E_item; E_attr; E_rating]`, their mean over all T steps, the knowledge adaptor, and x0.
 *
 * @example
 * ```ts
 * import { createModel } from "../../backbone/create_model.ts";
 * import { OnnxGraph } from "./graph.ts";
 * import { exportContext, inputLayer } from "./layers.ts";
 * const model = createModel("dcn", {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6, embedDim: 8, mlp: [16], seed: 1,
 * });
 * const ctx = exportContext(new OnnxGraph("dcn"), model);
 * const { x0, dens } = inputLayer(ctx);
 * console.assert(dens === null); // a model without knowledge has no adaptor
 * ```
 */
export function inputLayer(ctx: ExportContext): InputGraph {
  const { g, model } = ctx, c = model.config, d = c.embedDim, A = c.attrFields;
  const T = c.historyLength;
  const table = (name: string) => g.floats(name, ctx.value(name), ctx.shape(name));
  const item = table("embedding.item"), attr = table("embedding.attr");
  const rating = table("embedding.rating");
  const gather = (t: string, ids: string, hint: string) =>
    g.node("Gather", [t, ids], { axis: { int: 0 } }, hint);
  const qItem = gather(item, INPUT_NAMES.item, "q.item");
  const qAttr = reshape(ctx, gather(attr, INPUT_NAMES.attrs, "q.attr"), [0, A * d], "q.attr_flat");
  const q = g.node("Concat", [qItem, qAttr], { axis: { int: 1 } }, "q");
  const hItem = gather(item, INPUT_NAMES.histItem, "hist.item");
  const hAttr = reshape(
    ctx,
    gather(attr, INPUT_NAMES.histAttrs, "hist.attr"),
    [0, T, A * d],
    "hist.attr_flat",
  );
  const hRating = gather(rating, INPUT_NAMES.histRating, "hist.rating");
  const hist = g.node("Concat", [hItem, hAttr, hRating], { axis: { int: 2 } }, "hist");
  const histMean = g.node("ReduceMean", [hist], {
    axes: { ints: [1] },
    keepdims: { int: 0 },
  }, "hist_mean");
  const dens = c.knowledge ? adaptor(ctx) : null;
  const x0 = g.node(
    "Concat",
    dens ? [q, histMean, dens] : [q, histMean],
    { axis: { int: 1 } },
    "x0",
  );
  return { q, hist, histMean, dens, x0 };
}

/** The knowledge adaptor: `dens = [z_u; z_i]`. */
function adaptor(ctx: ExportContext): string {
  const k = ctx.model.config.knowledge!;
  const tasks = [
    { name: "user", x: INPUT_NAMES.userKnowledge, dim: k.userDim },
    { name: "item", x: INPUT_NAMES.itemKnowledge, dim: k.itemDim },
  ];
  const z = tasks.map((t) =>
    k.adaptor === "mlp"
      ? mlp(ctx, "adaptor.mlp", t.x, k.expertArch.length, t.dim)
      : hybridExperts(ctx, t.name, t.x, t.dim)
  );
  return ctx.g.node("Concat", z, { axis: { int: 1 } }, "dens");
}

/**
 * One task of the hybrid-expert adaptor: its `K = shared + specific` experts run as one batched
 * computation (first layers side by side in one MatMul, later layers as a `[K, N, ·]` batched
 * MatMul), then the softmax gate mixes their outputs: `z = Σ_k g_k·Expert_k(x)`.
 */
function hybridExperts(ctx: ExportContext, task: string, x: string, columns: number): string {
  const { g } = ctx, k = ctx.model.config.knowledge!, arch = k.expertArch;
  const experts = [
    ...Array.from({ length: k.sharedExperts }, (_, i) => `adaptor.shared.${i}`),
    ...Array.from({ length: k.specificExperts }, (_, i) => `adaptor.${task}.${i}`),
  ];
  const K = experts.length, p = `adaptor.${task}.experts`;
  // Layer 0: [N, D] · [D, K·H] as one product.
  const H0 = arch[0];
  const w0 = new Float32Array(columns * K * H0), b0 = new Float32Array(K * H0);
  experts.forEach((e, j) => {
    const w = ctx.value(`${e}.0.weight`), inDim = ctx.shape(`${e}.0.weight`)[1];
    for (let o = 0; o < H0; o++) {
      for (let c = 0; c < columns; c++) w0[c * K * H0 + j * H0 + o] = w[o * inDim + c];
    }
    b0.set(ctx.value(`${e}.0.bias`), j * H0);
  });
  let h = g.node("MatMul", [x, g.floats(`${p}.0.weight_t`, w0, [columns, K * H0])], {}, `${p}.0`);
  h = g.node(
    "Relu",
    [g.node("Add", [h, g.floats(`${p}.0.bias`, b0, [K * H0])])],
    {},
    `${p}.0.relu`,
  );
  // [N, K·H] → [K, N, H] for the batched layers.
  h = g.node("Transpose", [reshape(ctx, h, [0, K, H0], `${p}.split`)], {
    perm: { ints: [1, 0, 2] },
  }, `${p}.by_expert`);
  for (let l = 1; l < arch.length; l++) {
    const I = arch[l - 1], O = arch[l];
    const w = new Float32Array(K * I * O), b = new Float32Array(K * O);
    experts.forEach((e, j) => {
      w.set(transposed(ctx.value(`${e}.${l}.weight`), O, I, I), j * I * O);
      b.set(ctx.value(`${e}.${l}.bias`), j * O);
    });
    h = g.node("MatMul", [h, g.floats(`${p}.${l}.weight_t`, w, [K, I, O])], {}, `${p}.${l}`);
    h = g.node("Add", [h, g.floats(`${p}.${l}.bias`, b, [K, 1, O])], {}, `${p}.${l}.out`);
    h = g.node("Relu", [h], {}, `${p}.${l}.relu`);
  }
  const outputs = g.node("Transpose", [h], { perm: { ints: [1, 0, 2] } }, `${p}.by_sample`);
  const gate = g.node("Softmax", [dense(ctx, `adaptor.gate.${task}`, x, { columns })], {
    axis: { int: 1 },
  }, `adaptor.gate.${task}.softmax`);
  const weights = g.node("Unsqueeze", [gate, g.int64s(`${p}.gate_axes`, [2])], {}, `${p}.gate3`);
  const mixed = g.node("Mul", [outputs, weights], {}, `${p}.weighted`);
  return reduceSum(ctx, mixed, [1], false, `adaptor.${task}.z`);
}

/**
 * DIN's attention unit and pooling (`backbone/layers/din_attention.ts`) in inference mode: Dice
 * normalises with its running statistics, `z = (x − μ_run)·(σ²_run + 1e-9)^(−1/2)`, and
 * `y = x·(α + (1 − α)·σ(z))`. Returns the pooled interest `u` `[N, |q|]`.
 *
 * @example
 * ```ts
 * import { createModel } from "../../backbone/create_model.ts";
 * import { OnnxGraph } from "./graph.ts";
 * import { dense, dinAttention, exportContext, inputLayer } from "./layers.ts";
 * const model = createModel("din", {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6, embedDim: 8, mlp: [16], seed: 1,
 * });
 * const ctx = exportContext(new OnnxGraph("din"), model);
 * const input = inputLayer(ctx);
 * const u = dinAttention(ctx, input.q, dense(ctx, "map", input.hist), 2);
 * ```
 */
export function dinAttention(ctx: ExportContext, q: string, keys: string, layers: number): string {
  const scores = dinScores(ctx, q, keys, layers);
  return reduceSum(
    ctx,
    ctx.g.node("Mul", [scores, keys], {}, "attention.weighted"),
    [1],
    false,
    "attention.u",
  );
}

/**
 * The masked scores `a_τ` `[N, T, 1]` of DIN's attention unit (inference mode, as in
 * {@linkcode dinAttention}), without the pooling: DIEN's attentional GRUs read them.
 *
 * @example
 * ```ts
 * import { createModel } from "../../backbone/create_model.ts";
 * import { OnnxGraph } from "./graph.ts";
 * import { dense, dinScores, exportContext, inputLayer } from "./layers.ts";
 * const model = createModel("din", {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6, embedDim: 8, mlp: [16], seed: 1,
 * });
 * const ctx = exportContext(new OnnxGraph("din"), model);
 * const input = inputLayer(ctx);
 * const scores = dinScores(ctx, input.q, dense(ctx, "map", input.hist), 2); // [N, 5, 1]
 * ```
 */
export function dinScores(ctx: ExportContext, q: string, keys: string, layers: number): string {
  const { g } = ctx;
  const q3 = g.node("Unsqueeze", [q, g.int64s("attention.q_axes", [1])], {}, "attention.q3");
  const qT = g.node(
    "Expand",
    [q3, g.node("Shape", [keys], {}, "attention.keys_shape")],
    {},
    "attention.qT",
  );
  const diff = g.node("Sub", [qT, keys], {}, "attention.q_minus_k");
  const prod = g.node("Mul", [qT, keys], {}, "attention.q_times_k");
  let h = g.node("Concat", [qT, keys, diff, prod], { axis: { int: 2 } }, "attention.in");
  for (let i = 0; i < layers; i++) {
    h = dense(ctx, `attention.${i}`, h);
    const p = `attention.dice${i}`, shape = ctx.shape(`${p}.running_mean`);
    const variance = ctx.value(`${p}.running_var`);
    const invStd = Float32Array.from(variance, (v) => 1 / Math.sqrt(v + 1e-9));
    const mean = g.floats(`${p}.running_mean`, ctx.value(`${p}.running_mean`), shape);
    const z = g.node(
      "Mul",
      [
        g.node("Sub", [h, mean], {}, `${p}.centred`),
        g.floats(`${p}.inv_std`, invStd, shape),
      ],
      {},
      `${p}.z`,
    );
    const alpha = ctx.value(`${p}.alpha`)[0];
    const gateP = g.node("Sigmoid", [z], {}, `${p}.p`);
    const scale = g.node(
      "Add",
      [
        g.node("Mul", [gateP, g.scalar(`${p}.one_minus_alpha`, 1 - alpha)], {}, `${p}.p_scaled`),
        g.scalar(`${p}.alpha`, alpha),
      ],
      {},
      `${p}.scale`,
    );
    h = g.node("Mul", [h, scale], {}, `${p}.out`);
  }
  const raw = dense(ctx, `attention.${layers}`, h); // [N, T, 1]
  const mask = g.node(
    "Cast",
    [
      g.node(
        "Not",
        [
          g.node(
            "Equal",
            [INPUT_NAMES.histItem, g.int64s("attention.padding", [0], [])],
            {},
            "attention.is_padding",
          ),
        ],
        {},
        "attention.is_real",
      ),
    ],
    { to: { int: 1 } },
    "attention.mask",
  );
  const mask3 = g.node(
    "Unsqueeze",
    [mask, g.int64s("attention.mask_axes", [2])],
    {},
    "attention.mask3",
  );
  return g.node("Mul", [raw, mask3], {}, "attention.scores");
}
