/**
 * MLP tower: Linear → ReLU for every width (dropout 0, as the reference runs).
 *
 * @module
 */
import type { ParamStore } from "../param.ts";
import type { Floats } from "../types.ts";
import { Dense, type InputGradTarget } from "./dense.ts";

/**
 * A stack of `Dense + ReLU` layers; the last layer has a ReLU too (the reference `MLP` class).
 *
 * @example
 * ```ts
 * import { ParamStore } from "../param.ts";
 * import { Mlp } from "./mlp.ts";
 * const store = new ParamStore({ seed: 1 });
 * const mlp = new Mlp(store, "final_mlp", { inDim: 8, widths: [200, 80] });
 * const h = mlp.forward(new Float32Array(8 * 4), 4); // 4 rows of 80
 * ```
 */
export class Mlp {
  readonly layers: Dense[];
  readonly inDim: number;
  readonly outDim: number;

  constructor(store: ParamStore, name: string, options: { inDim: number; widths: number[] }) {
    if (options.widths.length === 0) throw new RangeError(`${name}: an MLP needs ≥ 1 layer`);
    this.inDim = options.inDim;
    this.layers = [];
    let inDim = options.inDim;
    options.widths.forEach((w, i) => {
      this.layers.push(new Dense(store, `${name}.${i}`, { inDim, outDim: w }));
      inDim = w;
    });
    this.outDim = inDim;
  }

  /** Forward over `n` rows; returns the last layer's (ReLU'd) output buffer. */
  forward(x: Floats, n: number): Floats {
    let h = x;
    for (const layer of this.layers) h = layer.forward(h, n, true);
    return h;
  }

  /** Backward; `dy` may be modified (ReLU mask). Returns the input gradient. */
  backward(dy: Floats, n: number, target: InputGradTarget & { inputGrad?: boolean } = {}): Floats {
    let g = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      g = this.layers[i].backward(g, n, i > 0 ? { relu: true } : { ...target, relu: true });
    }
    return g;
  }
}
