/**
 * Fully connected layer `y = x·Wᵀ + b` (torch Linear layout, xavier-normal weight, zero bias).
 *
 * @module
 */
import { linearBackward, linearForward } from "../kernels.ts";
import { ensure, type Param, type ParamStore } from "../param.ts";
import type { Floats } from "../types.ts";

/**
 * Where `Dense.backward` writes the input gradient.
 *
 * @example
 * ```ts
 * import type { InputGradTarget } from "./dense.ts";
 * const target: InputGradTarget = { into: new Float32Array(8), accumulate: true };
 * ```
 */
export interface InputGradTarget {
  /** Buffer to write into; defaults to the layer's own `dx`. */
  into?: Floats;
  /** Add to `into` instead of overwriting. */
  accumulate?: boolean;
}

/**
 * A linear layer over `n` rows at a time. Keeps its input by reference between forward and
 * backward, so the caller must not overwrite it in between.
 *
 * @example
 * ```ts
 * import { ParamStore } from "../param.ts";
 * import { Dense } from "./dense.ts";
 * const store = new ParamStore({ seed: 1 });
 * const layer = new Dense(store, "fc", { inDim: 3, outDim: 2 });
 * const y = layer.forward(new Float32Array([1, 2, 3]), 1);
 * const dx = layer.backward(new Float32Array([1, 0]), 1);
 * ```
 */
export class Dense {
  readonly inDim: number;
  readonly outDim: number;
  readonly weight: Param;
  readonly bias: Param | null;
  /** Output buffer (first `n·outDim` valid). */
  out: Floats;
  /** Input-gradient buffer (first `n·inDim` valid). */
  dx: Floats;
  readonly #store: ParamStore;
  #x: Floats;

  constructor(
    store: ParamStore,
    name: string,
    options: { inDim: number; outDim: number; bias?: boolean },
  ) {
    this.#store = store;
    this.inDim = options.inDim;
    this.outDim = options.outDim;
    this.weight = store.add(`${name}.weight`, [options.outDim, options.inDim], {
      kind: "xavierNormal",
    });
    this.bias = options.bias === false
      ? null
      : store.add(`${name}.bias`, [options.outDim], { kind: "zeros" });
    this.out = store.alloc(0);
    this.dx = store.alloc(0);
    this.#x = this.out;
  }

  /** Computes `n` output rows from `x` (`n·inDim`), through a ReLU when `relu`. */
  forward(x: Floats, n: number, relu = false): Floats {
    this.out = ensure(this.#store, this.out, n * this.outDim);
    this.#x = x;
    linearForward(x, this.weight.value, this.bias?.value ?? null, this.out, {
      rows: n,
      inDim: this.inDim,
      outDim: this.outDim,
      relu,
    });
    return this.out;
  }

  /**
   * Accumulates weight/bias gradients from `dy` and returns the input gradient, or skips the
   * input gradient when `inputGrad` is false (inputs that are constants, e.g. knowledge vectors).
   * With `relu`, `dy` is the gradient w.r.t. the ReLU of the output (a `forward(x, n, true)`),
   * and may be modified.
   */
  backward(
    dy: Floats,
    n: number,
    target: InputGradTarget & { inputGrad?: boolean; relu?: boolean } = {},
  ): Floats {
    const dims = {
      rows: n,
      inDim: this.inDim,
      outDim: this.outDim,
      accumulate: target.accumulate ?? false,
      reluOut: target.relu ? this.out : null,
    };
    let into: Floats | null = null;
    if (target.inputGrad !== false) {
      into = target.into ?? null;
      if (into === null) into = this.dx = ensure(this.#store, this.dx, n * this.inDim);
    }
    const grads = { dw: this.weight.grad, db: this.bias?.grad ?? null, dx: into };
    linearBackward(dy, this.#x, this.weight.value, grads, dims);
    return into ?? this.dx;
  }
}
