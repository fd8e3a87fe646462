/**
 * The ONNX form of `GruCell` (`backbone/layers/gru.ts`), shared by the GRU4Rec, DIEN and FiGNN
 * graphs: a cell's tensors split by gate and added to the graph once, however many steps use them,
 * and one step of each variant.
 *
 * @module
 */
import type { GruVariant } from "../../backbone/layers/gru.ts";
import type { ExportContext } from "./layers.ts";

/** One gate's input and hidden products: weights transposed for `MatMul`, and biases. */
export interface GateTensors {
  /** `[in, H]`. */
  wi: string;
  /** `[H]`. */
  bi: string;
  /** `[H, H]`. */
  wh: string;
  /** `[H]`. */
  bh: string;
}

/** A cell's tensors by gate: reset, update, candidate. */
export type GruTensors = Record<"r" | "z" | "n", GateTensors>;

/**
 * The initializers of the cell `prefix` (`prefix.weight_ih` `[3H, in]` and the rest, torch's
 * layout), split by gate.
 *
 * @example
 * ```ts
 * import type { ExportContext } from "./layers.ts";
 * import { gruTensors } from "./gru.ts";
 * const resetWeight = (ctx: ExportContext) => gruTensors(ctx, "history_gru").r.wi;
 * ```
 */
export function gruTensors(ctx: ExportContext, prefix: string): GruTensors {
  const [rows, inDim] = ctx.shape(`${prefix}.weight_ih`), H = rows / 3;
  const transposed = (kind: "ih" | "hh", k: number, cols: number) => {
    const w = ctx.value(`${prefix}.weight_${kind}`), t = new Float32Array(cols * H);
    for (let o = 0; o < H; o++) {
      for (let i = 0; i < cols; i++) t[i * H + o] = w[(k * H + o) * cols + i];
    }
    return ctx.g.floats(`${prefix}.${kind}${"rzn"[k]}.weight_t`, t, [cols, H]);
  };
  const bias = (kind: "ih" | "hh", k: number) =>
    ctx.g.floats(
      `${prefix}.${kind}${"rzn"[k]}.bias`,
      ctx.value(`${prefix}.bias_${kind}`).subarray(k * H, (k + 1) * H),
      [H],
    );
  const gate = (k: number): GateTensors => ({
    wi: transposed("ih", k, inDim),
    bi: bias("ih", k),
    wh: transposed("hh", k, H),
    bh: bias("hh", k),
  });
  return { r: gate(0), z: gate(1), n: gate(2) };
}

/**
 * `x·W + b` as two nodes.
 *
 * @example
 * ```ts
 * import type { ExportContext } from "./layers.ts";
 * import { affine, gruTensors } from "./gru.ts";
 * const resetInput = (ctx: ExportContext, x: string) => {
 *   const { wi, bi } = gruTensors(ctx, "history_gru").r;
 *   return affine(ctx, x, wi, bi, "history_gru.ir");
 * };
 * ```
 */
export function affine(ctx: ExportContext, x: string, w: string, b: string, hint: string): string {
  return ctx.g.node("Add", [ctx.g.node("MatMul", [x, w], {}, `${hint}.mul`), b], {}, hint);
}

/** How one step mixes the state with the candidate. */
export interface GruStepOptions {
  /** @default "gru" */
  variant?: GruVariant;
  /** The attention score of each row (`agru`, `augru`), broadcastable to the state. */
  score?: string;
}

/**
 * One step of the cell from state `h`, given the input products `gi` of each gate (`affine` of
 * the step's input with `wi`, `bi`): `h′ = h + u·(c − h)` with `u = 1 − z` (`gru`), `a` (`agru`) or
 * `a·z` (`augru`).
 *
 * @example
 * ```ts
 * import type { ExportContext } from "./layers.ts";
 * import { affine, gruStep, gruTensors } from "./gru.ts";
 * function step(ctx: ExportContext, x: string, h: string): string {
 *   const w = gruTensors(ctx, "gru");
 *   const gi = {
 *     r: affine(ctx, x, w.r.wi, w.r.bi, "gru.ir"),
 *     z: affine(ctx, x, w.z.wi, w.z.bi, "gru.iz"),
 *     n: affine(ctx, x, w.n.wi, w.n.bi, "gru.in"),
 *   };
 *   return gruStep(ctx, w, gi, h, "gru.step0");
 * }
 * ```
 */
export function gruStep(
  ctx: ExportContext,
  w: GruTensors,
  gi: Record<"r" | "z" | "n", string>,
  h: string,
  hint: string,
  options: GruStepOptions = {},
): string {
  const { g } = ctx, variant = options.variant ?? "gru";
  const hidden = (k: "r" | "z" | "n") => affine(ctx, h, w[k].wh, w[k].bh, `${hint}.h${k}`);
  const sigmoid = (k: "r" | "z") =>
    g.node("Sigmoid", [g.node("Add", [gi[k], hidden(k)])], {}, `${hint}.${k}`);
  const c = g.node(
    "Tanh",
    [g.node("Add", [gi.n, g.node("Mul", [sigmoid("r"), hidden("n")])])],
    {},
    `${hint}.c`,
  );
  let update: string;
  if (variant === "agru") update = options.score!;
  else if (variant === "augru") update = g.node("Mul", [options.score!, sigmoid("z")]);
  else update = g.node("Sub", [g.scalar(`${hint}.one`, 1), sigmoid("z")]);
  return g.node("Add", [h, g.node("Mul", [update, g.node("Sub", [c, h])])], {}, `${hint}.h`);
}
