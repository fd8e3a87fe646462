/**
 * Trainable parameters and the store that creates, initialises and lists them.
 *
 * @module
 */
import { SeededRandom } from "../util/random.ts";
import type { FloatDType, Floats } from "./types.ts";

/**
 * How a parameter is initialised.
 *
 * @example
 * ```ts
 * import type { Init } from "./param.ts";
 * const init: Init = { kind: "uniform", low: 0, high: 1 };
 * ```
 */
export type Init =
  | { kind: "xavierNormal" }
  | { kind: "zeros" }
  | { kind: "uniform"; low: number; high: number };

/**
 * One named tensor with its gradient. Embedding tables are `sparse`: backward marks the rows it
 * touched, so the optimizer can update (and clear) only those.
 *
 * @example
 * ```ts
 * import { ParamStore } from "./param.ts";
 * const store = new ParamStore({ seed: 1 });
 * const w = store.add("dense.weight", [4, 3], { kind: "xavierNormal" });
 * w.grad[0] += 1;
 * ```
 */
export class Param {
  /** Tensor name (also the safetensors key). */
  readonly name: string;
  /** Shape, row-major. */
  readonly shape: number[];
  /**
   * Values. Data-parallel training re-points this (and `grad`) into shared memory, so layers read
   * both at call time and never keep the arrays.
   */
  value: Floats;
  /** Gradient accumulator (same size as `value`). */
  grad: Floats;
  /** True for embedding tables whose gradient is row-sparse. */
  readonly sparse: boolean;
  /** Floats per row (last dimension). */
  readonly rowSize: number;
  /** Sparse only: 1 where the row has a gradient this step. */
  readonly touched: Uint8Array;
  /** Sparse only: the touched rows, first `touchedCount` entries. */
  touchedList: Int32Array;
  /** Sparse only: number of touched rows. */
  touchedCount = 0;

  /** Wraps given buffers; {@linkcode ParamStore.add} creates and initialises them. */
  constructor(name: string, shape: number[], value: Floats, grad: Floats, sparse: boolean) {
    this.name = name;
    this.shape = shape;
    this.value = value;
    this.grad = grad;
    this.sparse = sparse;
    this.rowSize = shape[shape.length - 1] ?? 1;
    const rows = sparse ? shape[0] : 0;
    this.touched = new Uint8Array(rows);
    this.touchedList = new Int32Array(sparse ? Math.min(rows, 1024) : 0);
  }

  /** Number of elements. */
  get size(): number {
    return this.value.length;
  }

  /** Records that `row` received gradient (sparse tables). */
  markRow(row: number): void {
    if (this.touched[row] === 1) return;
    this.touched[row] = 1;
    if (this.touchedCount === this.touchedList.length) {
      const grown = new Int32Array(Math.min(this.shape[0], this.touchedList.length * 2 + 16));
      grown.set(this.touchedList);
      this.touchedList = grown;
    }
    this.touchedList[this.touchedCount++] = row;
  }

  /**
   * Forgets which rows were touched without clearing their gradient (for a data-parallel worker,
   * whose gradient the calling thread clears as it sums it).
   */
  clearTouched(): void {
    for (let i = 0; i < this.touchedCount; i++) this.touched[this.touchedList[i]] = 0;
    this.touchedCount = 0;
  }

  /** Clears the gradient (only the touched rows of a sparse table). */
  zeroGrad(): void {
    if (!this.sparse) {
      this.grad.fill(0);
      return;
    }
    const rs = this.rowSize;
    for (let i = 0; i < this.touchedCount; i++) {
      const r = this.touchedList[i];
      this.grad.fill(0, r * rs, r * rs + rs);
      this.touched[r] = 0;
    }
    this.touchedCount = 0;
  }
}

/**
 * A tensor a layer keeps between batches that is not trained by gradients (Dice's running
 * statistics, like batch normalisation's buffers). It is saved and loaded with the weights,
 * restored with them by early stopping, and never touched by the optimizer.
 *
 * @example
 * ```ts
 * import { ParamStore } from "./param.ts";
 * const store = new ParamStore({ seed: 1 });
 * const mean = store.addState("dice.running_mean", [2, 3], 0);
 * mean.value[0] = 0.5;
 * ```
 */
export class StateTensor {
  /** Tensor name (also the safetensors key). */
  readonly name: string;
  /** Shape, row-major. */
  readonly shape: number[];
  /** Values. */
  readonly value: Floats;

  /** Wraps a given buffer; {@linkcode ParamStore.addState} creates and fills it. */
  constructor(name: string, shape: number[], value: Floats) {
    this.name = name;
    this.shape = shape;
    this.value = value;
  }

  /** Number of elements. */
  get size(): number {
    return this.value.length;
  }
}

/**
 * Creates parameters in a fixed order from one seeded generator and allocates float buffers of
 * the store's element type. Also holds the layers' non-trainable state tensors.
 *
 * @example
 * ```ts
 * import { ParamStore } from "./param.ts";
 * const store = new ParamStore({ seed: 7, dtype: "float64" });
 * const table = store.add("item", [10, 4], { kind: "xavierNormal" }, { sparse: true });
 * const buffer = store.alloc(16); // Float64Array
 * ```
 */
export class ParamStore {
  /** Element type of every buffer. */
  readonly dtype: FloatDType;
  /** Parameters in creation order. */
  readonly params: Param[] = [];
  /** Non-trainable state tensors in creation order (saved with the weights). */
  readonly states: StateTensor[] = [];
  readonly #rng: SeededRandom;
  readonly #names = new Set<string>();

  /** `options.seed` seeds every initialisation; `options.dtype` is the element type (default `float32`). */
  constructor(options: { seed: number; dtype?: FloatDType }) {
    this.dtype = options.dtype ?? "float32";
    this.#rng = new SeededRandom(options.seed);
  }

  /** A zeroed buffer of `n` floats of the store's type. */
  alloc(n: number): Floats {
    return this.dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
  }

  /**
   * Adds a parameter. Xavier-normal uses torch's convention for a 2-D `[rows, cols]` tensor:
   * std = sqrt(2 / (rows + cols)) (Linear `[out, in]` and Embedding `[num, dim]` alike).
   */
  add(name: string, shape: number[], init: Init, options: { sparse?: boolean } = {}): Param {
    const size = this.#claim(name, shape);
    const value = this.alloc(size);
    if (init.kind === "xavierNormal") {
      const rows = shape[0];
      const cols = shape.length > 1 ? size / rows : 1;
      const std = Math.sqrt(2 / (rows + cols));
      for (let i = 0; i < size; i++) value[i] = this.#rng.normal() * std;
    } else if (init.kind === "uniform") {
      const span = init.high - init.low;
      for (let i = 0; i < size; i++) value[i] = init.low + this.#rng.uniform() * span;
    }
    const p = new Param(name, shape, value, this.alloc(size), options.sparse ?? false);
    this.params.push(p);
    return p;
  }

  /**
   * Adds a non-trainable state tensor filled with `fill`. It draws nothing from the seeded
   * generator, so adding state leaves every parameter's initial value as it was.
   */
  addState(name: string, shape: number[], fill: number): StateTensor {
    const value = this.alloc(this.#claim(name, shape));
    value.fill(fill);
    const t = new StateTensor(name, shape, value);
    this.states.push(t);
    return t;
  }

  /** Reserves a tensor name and returns the element count of `shape`. */
  #claim(name: string, shape: number[]): number {
    if (this.#names.has(name)) throw new Error(`duplicate parameter name "${name}"`);
    this.#names.add(name);
    let size = 1;
    for (const s of shape) {
      if (!Number.isInteger(s) || s <= 0) {
        throw new RangeError(`parameter "${name}": bad shape [${shape.join(", ")}]`);
      }
      size *= s;
    }
    return size;
  }

  /** Every tensor saved with the weights: the parameters, then the state tensors. */
  tensors(): (Param | StateTensor)[] {
    return [...this.params, ...this.states];
  }

  /** Looks a parameter up by name. */
  get(name: string): Param {
    const p = this.params.find((q) => q.name === name);
    if (!p) throw new Error(`no parameter named "${name}"`);
    return p;
  }

  /** Clears every gradient. */
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  /** Total number of trainable values. */
  count(): number {
    let n = 0;
    for (const p of this.params) n += p.size;
    return n;
  }
}

/**
 * Returns `cur` when it holds at least `size` floats, else a new zeroed buffer from the store.
 * Layers keep their work buffers across batches and only grow them.
 *
 * @example
 * ```ts
 * import { ensure, ParamStore } from "./param.ts";
 * const store = new ParamStore({ seed: 1 });
 * let buf = store.alloc(0);
 * buf = ensure(store, buf, 128);
 * ```
 */
export function ensure(store: ParamStore, cur: Floats, size: number): Floats {
  return cur.length >= size ? cur : store.alloc(size);
}
