/**
 * The ONNX graphs of xDeepFM and FiBiNET, mirroring `backbone/models/xdeepfm.ts` and
 * `backbone/models/fibinet.ts`.
 *
 * @module
 */
import type { BackboneGraph } from "./backbones.ts";
import { INPUT_NAMES } from "./inputs.ts";
import { dense, type ExportContext, type InputGraph, mlp, reduceSum, reshape } from "./layers.ts";

/** `FirstOrder`: `w_item[i] + Σ_k w_attr[a_k] (+ dens·w_d)`, `[N, 1]`. */
function firstOrder(ctx: ExportContext, input: InputGraph, prefix: string): string {
  const { g } = ctx;
  const weight = (name: string) => g.floats(name, ctx.value(name), ctx.shape(name));
  const item = g.node("Gather", [weight(`${prefix}.item`), INPUT_NAMES.item], {
    axis: { int: 0 },
  }, `${prefix}.item_w`);
  const attrs = g.node("Gather", [weight(`${prefix}.attr`), INPUT_NAMES.attrs], {
    axis: { int: 0 },
  }, `${prefix}.attr_w`);
  const attrSum = reduceSum(ctx, attrs, [1], false, `${prefix}.attr_sum`);
  let out = g.node("Add", [item, attrSum], {}, `${prefix}.sparse`);
  if (input.dens) {
    const dense = g.node(
      "MatMul",
      [input.dens, weight(`${prefix}.dense`)],
      {},
      `${prefix}.dense_w`,
    );
    out = g.node("Add", [out, dense], {}, prefix);
  }
  return out;
}

/** The d-wide fields of `[q; h̄]`, `[N, F, d]`. */
function fields(ctx: ExportContext, input: InputGraph, hint: string): string {
  const qh = ctx.g.node("Concat", [input.q, input.histMean], { axis: { int: 1 } }, `${hint}_flat`);
  return reshape(ctx, qh, [0, -1, ctx.model.config.embedDim], hint);
}

/** xDeepFM: linear + `cin_fc(CIN pooled maps)` + `deep_fc(MLP(x0))`. */
export const xdeepfm: BackboneGraph = (ctx, input) => {
  const { g, model } = ctx, c = model.config, d = c.embedDim;
  const F0 = (model.input.qDim + model.input.hDim) / d;
  const x0 = fields(ctx, input, "cin.fields"); // [N, F0, d]
  const x0Wide = reshape(ctx, x0, [0, 1, F0, d], "cin.x0_wide");
  let prev = x0, H = F0;
  const pooled: string[] = [];
  c.cinLayers!.forEach((Hk, k) => {
    const p = `cin.${k}`;
    const outer = g.node(
      "Mul",
      [reshape(ctx, prev, [0, H, 1, d], `${p}.prev_wide`), x0Wide],
      {},
      `${p}.outer`,
    );
    const z = g.node("Transpose", [reshape(ctx, outer, [0, H * F0, d], `${p}.z`)], {
      perm: { ints: [0, 2, 1] },
    }, `${p}.z_t`); // [N, d, H·F0]
    const map = dense(ctx, p, z); // [N, d, Hk]
    pooled.push(reduceSum(ctx, map, [1], false, `${p}.pooled`));
    prev = g.node("Transpose", [map], { perm: { ints: [0, 2, 1] } }, `${p}.map`);
    H = Hk;
  });
  const cin = dense(ctx, "cin_fc", g.node("Concat", pooled, { axis: { int: 1 } }, "cin.pooled"));
  const dnn = dense(ctx, "deep_fc", mlp(ctx, "deep", input.x0, c.mlp.length));
  const sum = g.node("Add", [firstOrder(ctx, input, "linear"), cin], {}, "xdeepfm.explicit");
  return g.node("Add", [sum, dnn], {}, "logit2d");
};

/** `Bilinear` (field-interaction type) over fields `[N, F, d]`, flattened to `[N, P·d]`. */
function bilinear(ctx: ExportContext, prefix: string, x: string, F: number): string {
  const { g } = ctx, d = ctx.model.config.embedDim, left: number[] = [], right: number[] = [];
  for (let i = 0; i < F; i++) for (let j = i + 1; j < F; j++) left.push(i), right.push(j);
  const P = left.length;
  // Wᵀ of every pair stacked `[P, d, d]`, so that (W_p·v_i)ᵀ = v_iᵀ·W_pᵀ is one batched MatMul.
  const stacked = new Float32Array(P * d * d);
  for (let p = 0; p < P; p++) {
    const w = ctx.value(`${prefix}.${p}.weight`);
    for (let k = 0; k < d; k++) {
      for (let l = 0; l < d; l++) stacked[p * d * d + l * d + k] = w[k * d + l];
    }
  }
  const gather = (idx: number[], hint: string) =>
    g.node("Gather", [x, g.int64s(`${hint}.index`, idx)], { axis: { int: 1 } }, hint);
  const vi = reshape(ctx, gather(left, `${prefix}.left`), [0, P, 1, d], `${prefix}.left_row`);
  const t = g.node(
    "MatMul",
    [vi, g.floats(`${prefix}.weight_t`, stacked, [P, d, d])],
    {},
    `${prefix}.t`,
  );
  const y = g.node(
    "Mul",
    [reshape(ctx, t, [0, P, d], `${prefix}.t_flat`), gather(right, `${prefix}.right`)],
    {},
    prefix,
  );
  return reshape(ctx, y, [0, P * d], `${prefix}.flat`);
}

/** FiBiNET: linear + `deep_fc(MLP([bilinear(E); bilinear(SENET(E)); dens]))`. */
export const fibinet: BackboneGraph = (ctx, input) => {
  const { g, model } = ctx, c = model.config, d = c.embedDim;
  const F = (model.input.qDim + model.input.hDim) / d;
  const e = fields(ctx, input, "senet.fields"); // [N, F, d]
  const z = g.node(
    "Mul",
    [reduceSum(ctx, e, [2], false, "senet.sum"), g.scalar("senet.inv_d", 1 / d)],
    {},
    "senet.z",
  );
  const a = dense(ctx, "senet.excite", dense(ctx, "senet.squeeze", z, { relu: true }), {
    relu: true,
  });
  const v = g.node("Mul", [e, reshape(ctx, a, [0, F, 1], "senet.a")], {}, "senet.v");
  const parts = [bilinear(ctx, "bilinear_embed", e, F), bilinear(ctx, "bilinear_senet", v, F)];
  if (input.dens) parts.push(input.dens);
  const h = g.node("Concat", parts, { axis: { int: 1 } }, "fibinet.deep_in");
  const dnn = dense(ctx, "deep_fc", mlp(ctx, "deep", h, c.mlp.length));
  return g.node("Add", [firstOrder(ctx, input, "linear"), dnn], {}, "logit2d");
};
