/**
 * The prediction head shared by DIN and DCN: final MLP (ReLU after every layer) then
 * Linear → 1 logit.
 *
 * @module
 */
import type { ParamStore } from "../param.ts";
import type { Floats } from "../types.ts";
import { Dense } from "./dense.ts";
import { Mlp } from "./mlp.ts";

/**
 * Tensor names: `{mlpName}.{i}.weight|bias`, `{fcName}.weight|bias`.
 *
 * @example
 * ```ts
 * import { ParamStore } from "../param.ts";
 * import { MlpHead } from "./head.ts";
 * const store = new ParamStore({ seed: 1 });
 * const head = new MlpHead(store, { inDim: 6, widths: [200, 80] });
 * const logits = head.forward(new Float32Array(12), 2); // 2 logits
 * ```
 */
export class MlpHead {
  readonly mlp: Mlp;
  readonly fc: Dense;

  constructor(
    store: ParamStore,
    options: { inDim: number; widths: number[]; mlpName?: string; fcName?: string },
  ) {
    this.mlp = new Mlp(store, options.mlpName ?? "final_mlp", {
      inDim: options.inDim,
      widths: options.widths,
    });
    this.fc = new Dense(store, options.fcName ?? "final_fc", { inDim: this.mlp.outDim, outDim: 1 });
  }

  /** Returns `n` logits. */
  forward(x: Floats, n: number): Floats {
    return this.fc.forward(this.mlp.forward(x, n), n);
  }

  /** Returns the gradient w.r.t. the head input (own buffer). */
  backward(dLogits: Floats, n: number): Floats {
    return this.mlp.backward(this.fc.backward(dLogits, n), n);
  }
}
