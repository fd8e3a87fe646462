/**
 * FiGNN's message passing over the field graph (docs/method.md#fignn).
 *
 * @module
 */
import { linearBackward, linearForward } from "../kernels.ts";
import { ensure, type Param, type ParamStore } from "../param.ts";
import type { Floats } from "../types.ts";

/** What one call of `GraphMessage.forward` keeps for its backward. */
interface StepCache {
  adjacency: Floats;
  h: Floats;
  /** `W_out[k]·h_k`, field-major `[F, n, d]`. */
  sent: Floats;
  /** `Σ_k A_jk·sent_k`, field-major. */
  gathered: Floats;
  out: Floats;
}

/**
 * `m_j = W_in[j]·Σ_k A_jk·W_out[k]·h_k + b` over `F` fields of width d: each field sends through
 * its own `W_out[k]` and receives through its own `W_in[j]`, the graph `A` (`[n, F, F]`, row j =
 * field j's in-edges) mixing what was sent, and one bias shared by every field. States are held
 * field-major, `[F, n, d]`, so each per-field product is one GEMM over the batch.
 *
 * One layer may run several propagation steps: `forward` keeps what step `slot` needs, and
 * `backward` takes the same `slot`. Tensor names: `{name}.w_in`, `{name}.w_out` `[F, d, d]`
 * (each `[d, d]` block in torch Linear layout `[out, in]`), `{name}.bias` `[d]`. The blocks are
 * xavier-normal with torch's fans of a 3-D tensor, std = `sqrt(2 / (d·d + F·d))`.
 *
 * @example
 * ```ts
 * import { ParamStore } from "../param.ts";
 * import { GraphMessage } from "./graph_message.ts";
 * const store = new ParamStore({ seed: 1 });
 * const layer = new GraphMessage(store, "gnn", { fields: 3, dim: 4 });
 * const adjacency = new Float32Array(9).fill(0.5);
 * const m = layer.forward(adjacency, new Float32Array(3 * 4).fill(1), 1, 0); // [3, 1, 4]
 * ```
 */
export class GraphMessage {
  readonly fields: number;
  readonly dim: number;
  readonly wIn: Param;
  readonly wOut: Param;
  readonly bias: Param;
  readonly #store: ParamStore;
  readonly #steps: StepCache[] = [];
  #dGathered: Floats;
  #dSent: Floats;

  constructor(store: ParamStore, name: string, options: { fields: number; dim: number }) {
    this.fields = options.fields;
    this.dim = options.dim;
    this.#store = store;
    this.wIn = this.#perField(store, `${name}.w_in`);
    this.wOut = this.#perField(store, `${name}.w_out`);
    this.bias = store.add(`${name}.bias`, [options.dim], { kind: "zeros" });
    this.#dGathered = this.#dSent = store.alloc(0);
  }

  /** A `[F, d, d]` tensor: the store draws with 2-D fans `(F, d·d)`, rescaled to torch's 3-D ones. */
  #perField(store: ParamStore, name: string): Param {
    const F = this.fields, d = this.dim;
    const p = store.add(name, [F, d, d], { kind: "xavierNormal" });
    const scale = Math.sqrt((F + d * d) / (d * d + F * d));
    for (let i = 0; i < p.size; i++) p.value[i] *= scale;
    return p;
  }

  /**
   * The messages `[F, n, d]` (own buffer of step `slot`) from `adjacency` `[n, F, F]` and states
   * `h` `[F, n, d]`, both kept by reference until `backward` of that slot.
   */
  forward(adjacency: Floats, h: Floats, n: number, slot: number): Floats {
    const F = this.fields, d = this.dim, dd = d * d, nd = n * d, store = this.#store;
    const c = this.#steps[slot] ??= {
      adjacency,
      h,
      sent: store.alloc(0),
      gathered: store.alloc(0),
      out: store.alloc(0),
    };
    c.adjacency = adjacency;
    c.h = h;
    const sent = c.sent = ensure(store, c.sent, F * nd);
    const gathered = c.gathered = ensure(store, c.gathered, F * nd);
    const out = c.out = ensure(store, c.out, F * nd);
    const wIn = this.wIn.value, wOut = this.wOut.value, dims = { rows: n, inDim: d, outDim: d };
    for (let k = 0; k < F; k++) {
      linearForward(
        field(h, k, nd),
        wOut.subarray(k * dd, k * dd + dd),
        null,
        field(sent, k, nd),
        dims,
      );
    }
    gathered.fill(0, 0, F * nd);
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < F; j++) {
        const to = j * nd + b * d;
        for (let k = 0; k < F; k++) {
          const weight = adjacency[(b * F + j) * F + k], from = k * nd + b * d;
          if (weight === 0) continue;
          for (let i = 0; i < d; i++) gathered[to + i] += weight * sent[from + i];
        }
      }
    }
    for (let j = 0; j < F; j++) {
      const w = wIn.subarray(j * dd, j * dd + dd);
      linearForward(field(gathered, j, nd), w, this.bias.value, field(out, j, nd), dims);
    }
    return out;
  }

  /**
   * Accumulates parameter gradients from `dm` (`[F, n, d]`, step `slot`), adds the adjacency's
   * gradient into `dAdjacency` and writes the states' gradient into `dh` (overwritten).
   */
  backward(dm: Floats, n: number, slot: number, dh: Floats, dAdjacency: Floats): void {
    const F = this.fields, d = this.dim, dd = d * d, nd = n * d, store = this.#store;
    const { adjacency, h, sent, gathered } = this.#steps[slot];
    const dGathered = this.#dGathered = ensure(store, this.#dGathered, F * nd);
    const dSent = this.#dSent = ensure(store, this.#dSent, F * nd);
    const wIn = this.wIn, wOut = this.wOut;
    const dims = { rows: n, inDim: d, outDim: d, accumulate: false };
    for (let j = 0; j < F; j++) {
      const block = { dw: wIn.grad.subarray(j * dd, j * dd + dd), db: this.bias.grad };
      linearBackward(
        field(dm, j, nd),
        field(gathered, j, nd),
        wIn.value.subarray(j * dd, j * dd + dd),
        {
          ...block,
          dx: field(dGathered, j, nd),
        },
        dims,
      );
    }
    dSent.fill(0, 0, F * nd);
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < F; j++) {
        const at = j * nd + b * d;
        for (let k = 0; k < F; k++) {
          const e = (b * F + j) * F + k, weight = adjacency[e], from = k * nd + b * d;
          let g = 0;
          for (let i = 0; i < d; i++) {
            g += dGathered[at + i] * sent[from + i];
            dSent[from + i] += weight * dGathered[at + i];
          }
          dAdjacency[e] += g;
        }
      }
    }
    for (let k = 0; k < F; k++) {
      linearBackward(
        field(dSent, k, nd),
        field(h, k, nd),
        wOut.value.subarray(k * dd, k * dd + dd),
        {
          dw: wOut.grad.subarray(k * dd, k * dd + dd),
          db: null,
          dx: field(dh, k, nd),
        },
        dims,
      );
    }
  }
}

/** Field `f`'s rows of a field-major `[F, n, d]` buffer (`nd = n·d`). */
function field(x: Floats, f: number, nd: number): Floats {
  return x.subarray(f * nd, f * nd + nd);
}
