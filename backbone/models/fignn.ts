/**
 * FiGNN (docs/method.md#fignn): the fields of x0 are the nodes of a graph, states propagate over
 * it through one shared graph layer and a GRU cell, and an attentional readout gives the logit.
 *
 * @module
 */
import { type BatchView, InputLayer } from "../input_layer.ts";
import { AttentionalReadout } from "../layers/attentional_readout.ts";
import { FieldGraph } from "../layers/field_graph.ts";
import { GraphMessage } from "../layers/graph_message.ts";
import { GruCell, type GruStep } from "../layers/gru.ts";
import { positiveInt } from "../config.ts";
import type { Backbone, CtrModel } from "../model.ts";
import { ensure, ParamStore } from "../param.ts";
import type { Floats, ResolvedBaseConfig } from "../types.ts";

/**
 * FiGNN's own options.
 *
 * @example
 * ```ts
 * import type { FiGnnOptions } from "./fignn.ts";
 * const o: FiGnnOptions = { propagationSteps: 3 };
 * ```
 */
export interface FiGnnOptions {
  /**
   * Propagation steps over the field graph, all through one shared graph layer and GRU cell.
   * @default 2
   */
  propagationSteps?: number;
}

/**
 * A resolved FiGNN configuration.
 *
 * @example
 * ```ts
 * import type { FiGnnConfig } from "./fignn.ts";
 * const stepsOf = (c: FiGnnConfig) => c.propagationSteps;
 * ```
 */
export type FiGnnConfig = ResolvedBaseConfig & Required<FiGnnOptions>;

/**
 * The nodes are the F d-wide fields `e_j` of x0, knowledge included (as AutoInt). The graph
 * (`FieldGraph`) is built once from `e`; then, from `h = e`, each step computes messages
 * (`GraphMessage`), updates every node with one GRU cell `h_j ← GRU(m_j, h_j)` and adds the
 * input back, `h_j ← h_j + e_j`. `logit = AttentionalReadout(h)`.
 *
 * Node states are held field-major (`[F, n, d]`, row `j·n + b`), so the per-field products and
 * the GRU run as GEMMs over the batch. Tensor names: the input layer's, `graph.weight`,
 * `gnn.w_in|w_out|bias`, `gru.weight_ih|weight_hh|bias_ih|bias_hh`, `readout.score|gate.weight`.
 *
 * @example
 * ```ts
 * import { FiGnn, fiGnnBackbone } from "./fignn.ts";
 * import { resolveSharedConfig } from "../config.ts";
 * const sizes = { items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6 };
 * const config = fiGnnBackbone.resolve(sizes, resolveSharedConfig({ ...sizes, embedDim: 8 }));
 * const model = new FiGnn(config);
 * console.log(model.message.wIn.shape); // [5, 8, 8]
 * ```
 */
export class FiGnn implements CtrModel {
  readonly name = "fignn" as const;
  readonly config: FiGnnConfig;
  readonly store: ParamStore;
  readonly input: InputLayer;
  readonly graph: FieldGraph;
  readonly message: GraphMessage;
  readonly gru: GruCell;
  readonly readout: AttentionalReadout;
  readonly #gruSteps: GruStep[];
  /** Node states field-major: `#states[0]` = e, `#states[s + 1]` after step s. */
  readonly #states: Floats[];
  /** The last states sample-major, `[n, F·d]`, as the readout reads them. */
  #flat: Floats;
  #dState: Floats;
  #dPrev: Floats;
  #dMessage: Floats;
  #dViaMessage: Floats;
  #dInput: Floats;
  #dAdjacency: Floats;
  #dx0: Floats;

  /** `config` must be resolved (`fiGnnBackbone.resolve`). */
  constructor(config: FiGnnConfig) {
    this.config = config;
    const store = (this.store = new ParamStore({ seed: config.seed, dtype: config.dtype }));
    const input = this.input = new InputLayer(store, config, { historySteps: false });
    const F = input.fields, d = config.embedDim;
    this.graph = new FieldGraph(store, "graph", { fields: F, dim: d, stride: input.x0Dim });
    this.message = new GraphMessage(store, "gnn", { fields: F, dim: d });
    this.gru = new GruCell(store, "gru", { inDim: d, hiddenDim: d });
    this.readout = new AttentionalReadout(store, "readout", { fields: F, dim: d });
    const steps = config.propagationSteps;
    this.#gruSteps = Array.from({ length: steps }, () => this.gru.createStep());
    this.#states = Array.from({ length: steps + 1 }, () => store.alloc(0));
    this.#flat =
      this.#dState =
      this.#dPrev =
      this.#dMessage =
      this.#dViaMessage =
      this.#dInput =
      this.#dAdjacency =
      this.#dx0 =
        store.alloc(0);
  }

  /** No layer here keeps batch statistics, so every `ForwardMode` computes the same. */
  forward(batch: BatchView): Floats {
    const n = batch.size, inp = this.input, store = this.store;
    const F = inp.fields, d = this.config.embedDim, X = inp.x0Dim, size = F * n * d;
    inp.forward(batch, true);
    const x0 = inp.x0, states = this.#states;
    const e = states[0] = ensure(store, states[0], size);
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < F; j++) {
        e.set(x0.subarray(b * X + j * d, b * X + j * d + d), (j * n + b) * d);
      }
    }
    const adjacency = this.graph.forward(x0, n);
    for (let s = 0; s < this.#gruSteps.length; s++) {
      const m = this.message.forward(adjacency, states[s], n, s);
      const updated = this.gru.forward(m, states[s], n * F, this.#gruSteps[s]);
      const h = states[s + 1] = ensure(store, states[s + 1], size);
      for (let i = 0; i < size; i++) h[i] = updated[i] + e[i];
    }
    const last = states[this.#gruSteps.length], flat = this.#flat = ensure(store, this.#flat, size);
    for (let j = 0; j < F; j++) {
      for (let b = 0; b < n; b++) {
        flat.set(last.subarray((j * n + b) * d, (j * n + b) * d + d), (b * F + j) * d);
      }
    }
    return this.readout.forward(flat, n);
  }

  backward(dLogits: Floats, n: number): void {
    const inp = this.input, store = this.store;
    const F = inp.fields, d = this.config.embedDim, X = inp.x0Dim, size = F * n * d;
    inp.beginBackward(n);
    const dFlat = this.readout.backward(dLogits, n);
    let dState = this.#dState = ensure(store, this.#dState, size);
    let dPrev = this.#dPrev = ensure(store, this.#dPrev, size);
    const dm = this.#dMessage = ensure(store, this.#dMessage, size);
    const dViaMessage = this.#dViaMessage = ensure(store, this.#dViaMessage, size);
    const de = this.#dInput = ensure(store, this.#dInput, size);
    const dA = this.#dAdjacency = ensure(store, this.#dAdjacency, n * F * F);
    dA.fill(0, 0, n * F * F);
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < F; j++) {
        dState.set(dFlat.subarray((b * F + j) * d, (b * F + j) * d + d), (j * n + b) * d);
      }
    }
    de.set(dState.subarray(0, size));
    for (let s = this.#gruSteps.length - 1; s >= 0; s--) {
      // dState is dL/dh after step s; its residual part went to `de` already.
      this.gru.backward(dState, n * F, this.#gruSteps[s], { dx: dm, dh: dPrev });
      this.message.backward(dm, n, s, dViaMessage, dA);
      for (let i = 0; i < size; i++) dPrev[i] += dViaMessage[i];
      [dState, dPrev] = [dPrev, dState];
      for (let i = 0; i < size; i++) de[i] += dState[i];
    }
    const dx0 = this.#dx0 = ensure(store, this.#dx0, n * X);
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < F; j++) {
        dx0.set(de.subarray((j * n + b) * d, (j * n + b) * d + d), b * X + j * d);
      }
    }
    this.graph.backward(dA, n, dx0);
    inp.addX0Grad(dx0, n);
    inp.backward(n);
  }
}

/**
 * FiGNN's registry entry: 2 propagation steps by default. Knowledge joins x0 as fields, so
 * `knowledge.expertArch` must end in `embedDim`.
 *
 * @example
 * ```ts
 * import { fiGnnBackbone } from "./fignn.ts";
 * console.log(fiGnnBackbone.defaults.propagationSteps); // 2
 * ```
 */
export const fiGnnBackbone: Backbone<FiGnnOptions> = {
  defaults: Object.freeze({ propagationSteps: 2 }),
  resolve(config, shared) {
    const steps = config.propagationSteps ?? this.defaults.propagationSteps;
    const out = { ...shared, propagationSteps: positiveInt(steps, "propagationSteps") };
    const arch = out.knowledge?.expertArch;
    if (arch && arch[arch.length - 1] !== out.embedDim) {
      throw new RangeError(
        `model config: fignn reshapes x0 into ${out.embedDim}-wide fields, so ` +
          `knowledge.expertArch must end in embedDim (${out.embedDim}), got ${arch.at(-1)}`,
      );
    }
    return out;
  },
  create: (config) => new FiGnn(config),
};
