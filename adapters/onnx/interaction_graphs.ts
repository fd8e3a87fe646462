/**
 * The ONNX graphs of xDeepFM and FiBiNET, mirroring `backbone/models/xdeepfm.ts` and
 * `backbone/models/fibinet.ts`.
 *
 * @module
 */
import { bilinearWeightNames } from "../../backbone/layers/bilinear.ts";
import type { BackboneGraph } from "./backbones.ts";
import { dense, type ExportContext, mlp, reduceSum, reshape } from "./layers.ts";

/** xDeepFM: `final_fc([CIN pooled maps; MLP(x0)])`, CIN on x0's d-wide fields. */
export const xdeepfm: BackboneGraph = (ctx, input) => {
  const { g, model } = ctx, c = model.config, d = c.embedDim, F = model.input.fields;
  const x0 = reshape(ctx, input.x0, [0, F, d], "cin.fields"); // [N, F, d]
  const x0Wide = reshape(ctx, x0, [0, F, 1, d], "cin.x0_wide");
  let prev = x0, H = F;
  const parts: string[] = [];
  c.cinLayers!.forEach((Hk, k) => {
    const p = `cin.${k}`;
    // X⁰[f, j]·X^{k−1}[i, j] at channel f·H + i, as Cin.
    const outer = g.node(
      "Mul",
      [x0Wide, reshape(ctx, prev, [0, 1, H, d], `${p}.prev_wide`)],
      {},
      `${p}.outer`,
    );
    const z = g.node("Transpose", [reshape(ctx, outer, [0, F * H, d], `${p}.z`)], {
      perm: { ints: [0, 2, 1] },
    }, `${p}.z_t`); // [N, d, F·H]
    const map = dense(ctx, p, z); // [N, d, Hk]
    parts.push(reduceSum(ctx, map, [1], false, `${p}.pooled`));
    prev = g.node("Transpose", [map], { perm: { ints: [0, 2, 1] } }, `${p}.map`);
    H = Hk;
  });
  parts.push(mlp(ctx, "deep", input.x0, c.mlp.length));
  return dense(ctx, "final_fc", g.node("Concat", parts, { axis: { int: 1 } }, "xdeepfm.final_in"));
};

/**
 * `Bilinear` over fields `[N, F, d]` with the pairs' `Wᵀ` (`weightT`, `[d, d]` when shared by all,
 * else `[P, d, d]`), flattened to `[N, P·d]`.
 */
function bilinear(ctx: ExportContext, x: string, weightT: string, F: number, hint: string) {
  const { g } = ctx, d = ctx.model.config.embedDim, left: number[] = [], right: number[] = [];
  for (let i = 0; i < F; i++) for (let j = i + 1; j < F; j++) left.push(i), right.push(j);
  const P = left.length;
  const gather = (idx: number[], side: string) =>
    g.node(
      "Gather",
      [x, g.int64s(`${hint}.${side}.index`, idx)],
      { axis: { int: 1 } },
      `${hint}.${side}`,
    );
  // (W_p·v_i)ᵀ = v_iᵀ·W_pᵀ, one batched MatMul over the pairs.
  const vi = reshape(ctx, gather(left, "left"), [0, P, 1, d], `${hint}.left_row`);
  const t = g.node("MatMul", [vi, weightT], {}, `${hint}.t`);
  const y = g.node(
    "Mul",
    [reshape(ctx, t, [0, P, d], `${hint}.t_flat`), gather(right, "right")],
    {},
    hint,
  );
  return reshape(ctx, y, [0, P * d], `${hint}.flat`);
}

/** The pairs' `Wᵀ`: one `[d, d]` when every pair shares it, else stacked `[P, d, d]`. */
function bilinearWeightT(ctx: ExportContext, F: number): string {
  const c = ctx.model.config, d = c.embedDim;
  const names = bilinearWeightNames("bilinear", c.bilinearType!, F);
  const shared = names.every((n) => n === names[0]);
  const used = shared ? names.slice(0, 1) : names;
  const stacked = new Float32Array(used.length * d * d);
  used.forEach((name, p) => {
    const w = ctx.value(name);
    for (let k = 0; k < d; k++) {
      for (let l = 0; l < d; l++) stacked[p * d * d + l * d + k] = w[k * d + l];
    }
  });
  const shape = shared ? [d, d] : [used.length, d, d];
  return ctx.g.floats("bilinear.weight_t", stacked, shape);
}

/** FiBiNET: `final_fc(final_mlp([bilinear(E); bilinear(SENET(E))]))`, E the fields of x0. */
export const fibinet: BackboneGraph = (ctx, input) => {
  const { g, model } = ctx, c = model.config, d = c.embedDim, F = model.input.fields;
  const e = reshape(ctx, input.x0, [0, F, d], "senet.fields"); // [N, F, d]
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
  const w = bilinearWeightT(ctx, F);
  const parts = [bilinear(ctx, e, w, F, "bilinear.p"), bilinear(ctx, v, w, F, "bilinear.q")];
  const h = g.node("Concat", parts, { axis: { int: 1 } }, "fibinet.mlp_in");
  return dense(ctx, "final_fc", mlp(ctx, "final_mlp", h, c.mlp.length));
};
