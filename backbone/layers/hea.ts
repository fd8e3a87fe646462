/**
 * Knowledge adaptors (docs/method.md#adaptor): the hybrid-expert adaptor (HEA) and a plain shared
 * MLP. Both map user and item knowledge vectors to `dens = [z_u; z_i]`.
 *
 * @module
 */
import { ensure, type ParamStore } from "../param.ts";
import type { Floats } from "../types.ts";
import { Dense } from "./dense.ts";
import { Mlp } from "./mlp.ts";

/**
 * Maps stacked knowledge rows to the dense knowledge features of the backbone input.
 *
 * @example
 * ```ts
 * import type { KnowledgeAdaptor } from "./hea.ts";
 * function densWidth(a: KnowledgeAdaptor): number {
 *   return 2 * a.outDim;
 * }
 * ```
 */
export interface KnowledgeAdaptor {
  /** Width of one task's output (z_u or z_i). */
  readonly outDim: number;
  /**
   * `x` stacks `2n` rows of width `inDim`: rows `0..n-1` are user vectors, `n..2n-1` item
   * vectors. Returns `dens`, `n` rows of `[z_u; z_i]`.
   */
  forward(x: Floats, n: number): Floats;
  /** Accumulates parameter gradients from `dDens` (`n × 2·outDim`). Inputs are constants. */
  backward(dDens: Floats, n: number): void;
}

/**
 * Hybrid-expert adaptor: `ns` shared experts (same weights for both tasks), `np` specific experts
 * per task, a softmax gate per task over that task's `ns + np` experts, and
 * `z_t = Σ_k g_t[k]·Expert_k(x_t)`. Each expert is `ReLU(W₂ ReLU(W₁x + b₁) + b₂)`.
 *
 * Tensor names: `{name}.shared.{k}.{layer}.weight|bias`, `{name}.user.{k}.{layer}.*`,
 * `{name}.item.{k}.{layer}.*`, `{name}.gate.user.*`, `{name}.gate.item.*`.
 *
 * @example
 * ```ts
 * import { ParamStore } from "../param.ts";
 * import { HybridExpertAdaptor } from "./hea.ts";
 * const store = new ParamStore({ seed: 1 });
 * const hea = new HybridExpertAdaptor(store, "adaptor", {
 *   inDim: 8, sharedExperts: 2, specificExperts: 6, expertArch: [16, 4],
 * });
 * const dens = hea.forward(new Float32Array(2 * 3 * 8), 3); // 3 rows of 8
 * ```
 */
export class HybridExpertAdaptor implements KnowledgeAdaptor {
  readonly outDim: number;
  readonly inDim: number;
  readonly shared: Mlp[];
  /** `specific[0]` belongs to users, `specific[1]` to items. */
  readonly specific: [Mlp[], Mlp[]];
  readonly gates: [Dense, Dense];
  readonly #store: ParamStore;
  #gate: Floats;
  #dGate: Floats;
  #z: Floats;
  #dz: Floats;
  #dens: Floats;
  #scratch: Floats;

  constructor(
    store: ParamStore,
    name: string,
    options: {
      inDim: number;
      sharedExperts: number;
      specificExperts: number;
      expertArch: number[];
    },
  ) {
    const { inDim, sharedExperts, specificExperts, expertArch } = options;
    if (sharedExperts + specificExperts < 1) {
      throw new RangeError(`${name}: HEA needs at least one expert`);
    }
    this.#store = store;
    this.inDim = inDim;
    this.outDim = expertArch[expertArch.length - 1];
    const expert = (n: string) => new Mlp(store, n, { inDim, widths: expertArch });
    this.shared = Array.from({ length: sharedExperts }, (_, k) => expert(`${name}.shared.${k}`));
    this.specific = [
      Array.from({ length: specificExperts }, (_, k) => expert(`${name}.user.${k}`)),
      Array.from({ length: specificExperts }, (_, k) => expert(`${name}.item.${k}`)),
    ];
    const experts = sharedExperts + specificExperts;
    this.gates = [
      new Dense(store, `${name}.gate.user`, { inDim, outDim: experts }),
      new Dense(store, `${name}.gate.item`, { inDim, outDim: experts }),
    ];
    this.#gate = store.alloc(0);
    this.#dGate = store.alloc(0);
    this.#z = store.alloc(0);
    this.#dz = store.alloc(0);
    this.#dens = store.alloc(0);
    this.#scratch = store.alloc(0);
  }

  /** Output of expert `k` (shared first, then the task's own) for row `r` of task `t`. */
  #expertOut(k: number, t: number, n: number): { buf: Floats; base: number } {
    const ns = this.shared.length;
    if (k < ns) return { buf: this.shared[k].layers.at(-1)!.out, base: t * n };
    return { buf: this.specific[t][k - ns].layers.at(-1)!.out, base: 0 };
  }

  forward(x: Floats, n: number): Floats {
    const D = this.inDim, E = this.outDim, ns = this.shared.length;
    const K = ns + this.specific[0].length;
    const store = this.#store;
    this.#gate = ensure(store, this.#gate, 2 * n * K);
    this.#z = ensure(store, this.#z, 2 * n * E);
    this.#dens = ensure(store, this.#dens, n * 2 * E);
    for (const e of this.shared) e.forward(x, 2 * n);
    const gate = this.#gate, z = this.#z;
    for (let t = 0; t < 2; t++) {
      const xt = x.subarray(t * n * D, (t + 1) * n * D);
      for (const e of this.specific[t]) e.forward(xt, n);
      const logits = this.gates[t].forward(xt, n);
      for (let b = 0; b < n; b++) {
        let max = -Infinity;
        for (let k = 0; k < K; k++) max = Math.max(max, logits[b * K + k]);
        let sum = 0;
        const row = (t * n + b) * K;
        for (let k = 0; k < K; k++) {
          const e = Math.exp(logits[b * K + k] - max);
          gate[row + k] = e;
          sum += e;
        }
        for (let k = 0; k < K; k++) gate[row + k] /= sum;
      }
    }
    z.fill(0, 0, 2 * n * E);
    for (let t = 0; t < 2; t++) {
      for (let k = 0; k < K; k++) {
        const { buf, base } = this.#expertOut(k, t, n);
        for (let b = 0; b < n; b++) {
          const g = gate[(t * n + b) * K + k];
          const zo = (t * n + b) * E, eo = (base + b) * E;
          for (let j = 0; j < E; j++) z[zo + j] += g * buf[eo + j];
        }
      }
    }
    const dens = this.#dens;
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < E; j++) {
        dens[b * 2 * E + j] = z[b * E + j];
        dens[b * 2 * E + E + j] = z[(n + b) * E + j];
      }
    }
    return dens;
  }

  backward(dDens: Floats, n: number): void {
    const E = this.outDim, ns = this.shared.length;
    const K = ns + this.specific[0].length;
    const store = this.#store;
    this.#dz = ensure(store, this.#dz, 2 * n * E);
    this.#dGate = ensure(store, this.#dGate, 2 * n * K);
    this.#scratch = ensure(store, this.#scratch, 2 * n * E);
    const dz = this.#dz, gate = this.#gate, dGate = this.#dGate, scratch = this.#scratch;
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < E; j++) {
        dz[b * E + j] = dDens[b * 2 * E + j];
        dz[(n + b) * E + j] = dDens[b * 2 * E + E + j];
      }
    }
    // Gate gradients: dg[r, k] = <dz[r], expert_k(x_r)>.
    for (let t = 0; t < 2; t++) {
      for (let k = 0; k < K; k++) {
        const { buf, base } = this.#expertOut(k, t, n);
        for (let b = 0; b < n; b++) {
          const zo = (t * n + b) * E, eo = (base + b) * E;
          let s = 0;
          for (let j = 0; j < E; j++) s += dz[zo + j] * buf[eo + j];
          dGate[(t * n + b) * K + k] = s;
        }
      }
    }
    // Experts: d expert_k(x_r) = g[r, k] · dz[r].
    for (let k = 0; k < ns; k++) {
      for (let r = 0; r < 2 * n; r++) {
        const g = gate[r * K + k];
        for (let j = 0; j < E; j++) scratch[r * E + j] = g * dz[r * E + j];
      }
      this.shared[k].backward(scratch, 2 * n, { inputGrad: false });
    }
    for (let t = 0; t < 2; t++) {
      for (let k = ns; k < K; k++) {
        for (let b = 0; b < n; b++) {
          const g = gate[(t * n + b) * K + k];
          for (let j = 0; j < E; j++) scratch[b * E + j] = g * dz[(t * n + b) * E + j];
        }
        this.specific[t][k - ns].backward(scratch, n, { inputGrad: false });
      }
      // Softmax backward in place: dlogit = g ⊙ (dg − <g, dg>).
      for (let b = 0; b < n; b++) {
        const row = (t * n + b) * K;
        let dot = 0;
        for (let k = 0; k < K; k++) dot += gate[row + k] * dGate[row + k];
        for (let k = 0; k < K; k++) dGate[row + k] = gate[row + k] * (dGate[row + k] - dot);
      }
      this.gates[t].backward(dGate.subarray(t * n * K, (t + 1) * n * K), n, { inputGrad: false });
    }
  }
}

/**
 * The `mlp` adaptor: one MLP (ReLU after every layer) shared by the user and the item vector.
 * Tensor names: `{name}.mlp.{layer}.weight|bias`.
 *
 * @example
 * ```ts
 * import { ParamStore } from "../param.ts";
 * import { MlpAdaptor } from "./hea.ts";
 * const store = new ParamStore({ seed: 1 });
 * const adaptor = new MlpAdaptor(store, "adaptor", { inDim: 8, expertArch: [16, 4] });
 * const dens = adaptor.forward(new Float32Array(2 * 3 * 8), 3);
 * ```
 */
export class MlpAdaptor implements KnowledgeAdaptor {
  readonly outDim: number;
  readonly mlp: Mlp;
  readonly #store: ParamStore;
  #dens: Floats;
  #dOut: Floats;

  constructor(store: ParamStore, name: string, options: { inDim: number; expertArch: number[] }) {
    this.#store = store;
    this.mlp = new Mlp(store, `${name}.mlp`, { inDim: options.inDim, widths: options.expertArch });
    this.outDim = this.mlp.outDim;
    this.#dens = store.alloc(0);
    this.#dOut = store.alloc(0);
  }

  forward(x: Floats, n: number): Floats {
    const E = this.outDim;
    const out = this.mlp.forward(x, 2 * n);
    this.#dens = ensure(this.#store, this.#dens, n * 2 * E);
    const dens = this.#dens;
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < E; j++) {
        dens[b * 2 * E + j] = out[b * E + j];
        dens[b * 2 * E + E + j] = out[(n + b) * E + j];
      }
    }
    return dens;
  }

  backward(dDens: Floats, n: number): void {
    const E = this.outDim;
    this.#dOut = ensure(this.#store, this.#dOut, 2 * n * E);
    const d = this.#dOut;
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < E; j++) {
        d[b * E + j] = dDens[b * 2 * E + j];
        d[(n + b) * E + j] = dDens[b * 2 * E + E + j];
      }
    }
    this.mlp.backward(d, 2 * n, { inputGrad: false });
  }
}
