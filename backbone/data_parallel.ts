/**
 * Data-parallel training on several threads: every batch is cut into contiguous shards, one per
 * thread; each thread runs forward and backward of its shard on its own replica of the model, and
 * the gradients are summed (always in thread order, so a run is repeatable) before one Adam step.
 * The parameter values live in one `SharedArrayBuffer` that every replica reads, so nothing is
 * copied per step but the workers' gradients. Where Adam keeps float32 moments in WebAssembly
 * (and no clipping needs the whole gradient first), the first worker sums and updates the dense
 * tensors while the calling thread sums and updates the embedding rows.
 *
 * The sum of the shards' gradients is the whole batch's gradient, except for layers with batch
 * statistics: DIN's Dice normalises each shard over the shard (as PyTorch's DDP without
 * synchronised batch norm does), and only the calling thread's shard updates the model's running
 * statistics (the workers' replicas keep their own, which nothing reads; PyTorch's DataParallel
 * likewise keeps the first replica's buffers).
 *
 * @module
 */
import { runtime, type RuntimeWorker } from "../runtime/mod.ts";
import type { BatchView } from "./input_layer.ts";
import type { CtrModel } from "./model.ts";
import { nativeBlasOn, wasmKernelsOn } from "./kernels.ts";
import { accumulateGradients } from "./loss.ts";
import type { CtrInputs, Floats } from "./types.ts";
import type { Adam } from "./adam.ts";
import { WasmAdamState } from "./wasm/adam_state.ts";

/**
 * Control words of a worker (Int32 indices). `done` and `updated` answer `seq` when the worker
 * finished its shard and its update; `ready` is set to `seq` once the calling thread's dense
 * gradients are final (to −`seq` to skip the update after a failure).
 */
export const CTRL = {
  seq: 0,
  done: 1,
  size: 2,
  denominator: 3,
  error: 4,
  op: 5,
  ready: 6,
  updated: 7,
  length: 8,
} as const;

/**
 * What a worker does when signalled: a shard's forward and backward; that, then (first worker)
 * the update of the dense tensors; or attaching to the Adam state described in its binding words.
 */
export const OP = { shard: 0, shardThenUpdate: 1, bind: 2 } as const;

const ERROR_BYTES = 4096;

/**
 * How long the calling thread spins on a worker's answer before it sleeps on it (ms): waking from
 * a futex wait costs tens to hundreds of microseconds here, and it has nothing else to do.
 */
const SPIN_MS = 2;

/**
 * Where every buffer of one worker lies in its `SharedArrayBuffer` (byte offsets).
 *
 * @example
 * ```ts
 * import type { WorkerLayout } from "./data_parallel.ts";
 * const floatsOfGrads = (l: WorkerLayout) => l.grads.length;
 * ```
 */
export interface WorkerLayout {
  /** Byte offset of each parameter's value in the shared values buffer. */
  values: number[];
  /** Byte offset of each parameter's gradient in the worker's buffer. */
  grads: number[];
  /** Byte offset of each sparse parameter's touched-row list (count, then rows); -1 if dense. */
  touched: number[];
  /** Byte offset of the shard's sample indices (capacity: the split's size). */
  index: number;
  /** Byte offset of the control words, the loss (f64), Adam's step constants and the error text. */
  ctrl: number;
  loss: number;
  /** Five float64: b1, b2, eps, step size, gradient scale. */
  constants: number;
  error: number;
  bytes: number;
  /** Byte offset of each dense parameter's gradient of the calling thread in `mainGrads`; -1 if sparse. */
  mainGrads: number[];
  /**
   * Byte offset of the binding words (Int32): the worker's staging slot, then per parameter the
   * byte offsets of its first and second moments in `optimizer` and 1 where the worker updates it.
   */
  binding: number;
}

/**
 * What a worker is started with.
 *
 * @example
 * ```ts
 * import type { WorkerInit } from "./data_parallel.ts";
 * const describe = (w: WorkerInit) => `${w.name} replica on ${w.inputs.split.size} samples`;
 * ```
 */
export interface WorkerInit {
  name: CtrModel["name"];
  config: CtrModel["config"];
  wasm: boolean;
  /** Whether the calling thread routes float32 products to the system OpenBLAS. */
  nativeBlas: boolean;
  inputs: CtrInputs;
  values: SharedArrayBuffer;
  /** The calling thread's dense gradients, which the first worker sums into its update. */
  mainGrads: SharedArrayBuffer;
  /** Where a bound Adam keeps its moments (float32 models), shared with the first worker. */
  optimizer: WebAssembly.Memory | null;
  own: SharedArrayBuffer;
  layout: WorkerLayout;
}

/**
 * A group of threads training one model together. Start it, pass it to `fit` (or `trainStep`) as
 * `parallel`, and close it in a `finally`: its workers keep the process alive until then.
 *
 * @example
 * ```ts
 * import { createModel } from "./create_model.ts";
 * import { DataParallel } from "./data_parallel.ts";
 * import { fit } from "./trainer.ts";
 * import type { CtrInputs } from "./types.ts";
 * async function train(data: CtrInputs) {
 *   const model = createModel("dcn", {
 *     items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6,
 *     embedDim: 8, mlp: [16, 8], seed: 1,
 *   });
 *   const parallel = await DataParallel.start(model, data, { threads: 2 });
 *   try {
 *     return fit(model, { train: data }, { epochs: 2, parallel });
 *   } finally {
 *     parallel.close();
 *   }
 * }
 * ```
 */
export class DataParallel {
  /** Threads taking part, the calling one included. */
  readonly threads: number;
  /** The model the group trains (its values are shared with the workers until `close()`). */
  readonly model: CtrModel;
  /** The training inputs every worker holds a copy of. */
  readonly inputs: CtrInputs;
  readonly #workers: RuntimeWorker[];
  readonly #ctrl: Int32Array[];
  readonly #loss: Float64Array[];
  readonly #index: Int32Array[];
  readonly #errors: Uint8Array[];
  /** Per worker, per parameter: the worker's gradient. */
  readonly #grads: Floats[][];
  /** Per worker, per parameter: the touched-row list (sparse parameters only). */
  readonly #touched: (Int32Array | null)[][];
  /** The first worker's step constants and binding words. */
  readonly #constants: Float64Array;
  readonly #binding: Int32Array;
  /** The memory a bound Adam's state moves into (null: no split update). */
  readonly #optimizer: WebAssembly.Memory | null;
  /** The Adam whose dense update the first worker runs, and which parameters it updates. */
  #bound: { adam: Adam; owned: boolean[] } | null = null;
  #seq = 0;
  #closed = false;

  private constructor(
    model: CtrModel,
    inputs: CtrInputs,
    parts: {
      workers: RuntimeWorker[];
      own: SharedArrayBuffer[];
      layout: WorkerLayout;
      optimizer: WebAssembly.Memory | null;
    },
  ) {
    this.model = model;
    this.inputs = inputs;
    this.threads = parts.workers.length + 1;
    this.#workers = parts.workers;
    const { layout } = parts, params = model.store.params;
    const view = floatView(model.store.dtype);
    this.#ctrl = parts.own.map((b) => new Int32Array(b, layout.ctrl, CTRL.length));
    this.#loss = parts.own.map((b) => new Float64Array(b, layout.loss, 1));
    this.#index = parts.own.map((b) => new Int32Array(b, layout.index, inputs.split.size));
    this.#errors = parts.own.map((b) => new Uint8Array(b, layout.error, ERROR_BYTES));
    this.#grads = parts.own.map((b) => params.map((p, k) => view(b, layout.grads[k], p.size)));
    this.#touched = parts.own.map((b) =>
      params.map((p, k) => p.sparse ? new Int32Array(b, layout.touched[k], p.shape[0] + 1) : null)
    );
    this.#constants = new Float64Array(parts.own[0], layout.constants, 5);
    this.#binding = new Int32Array(parts.own[0], layout.binding, 1 + 3 * params.length);
    this.#optimizer = parts.optimizer;
  }

  /**
   * Starts `threads - 1` workers, each with a replica of `model` and a copy of `inputs`, and moves
   * the model's values into shared memory. Resolves once every worker is ready.
   */
  static async start(
    model: CtrModel,
    inputs: CtrInputs,
    options: { threads: number },
  ): Promise<DataParallel> {
    const threads = options.threads;
    if (!Number.isInteger(threads) || threads < 2) {
      throw new RangeError(`DataParallel: threads must be an integer ≥ 2, got ${threads}`);
    }
    const params = model.store.params, dtype = model.store.dtype;
    const bpe = dtype === "float64" ? 8 : 4, view = floatView(dtype);
    const align = (n: number) => (n + 7) & ~7;
    const layout: WorkerLayout = {
      values: [],
      grads: [],
      touched: [],
      index: 0,
      ctrl: 0,
      loss: 0,
      constants: 0,
      error: 0,
      bytes: 0,
      mainGrads: [],
      binding: 0,
    };
    let v = 0, w = 0;
    for (const p of params) {
      layout.values.push(v);
      v = align(v + p.size * bpe);
      layout.grads.push(w);
      w = align(w + p.size * bpe);
    }
    for (const p of params) {
      layout.touched.push(p.sparse ? w : -1);
      if (p.sparse) w = align(w + (p.shape[0] + 1) * 4);
    }
    layout.index = w;
    w = align(w + inputs.split.size * 4);
    layout.ctrl = w;
    w = align(w + CTRL.length * 4);
    layout.loss = w;
    w += 8;
    layout.constants = w;
    w += 5 * 8;
    layout.binding = w;
    w = align(w + 4 * (1 + 3 * params.length));
    layout.error = w;
    layout.bytes = align(w + ERROR_BYTES);
    let gTop = 0;
    for (const p of params) {
      layout.mainGrads.push(p.sparse ? -1 : gTop);
      if (!p.sparse) gTop = align(gTop + p.size * bpe);
    }
    // Room for one Adam state with two staging slots (this thread's and the first worker's).
    const optimizer = dtype === "float32"
      ? WasmAdamState.memory(WasmAdamState.bytes(params.map((p) => p.size), 2))
      : null;
    const values = new SharedArrayBuffer(Math.max(v, 8));
    const mainGrads = new SharedArrayBuffer(Math.max(gTop, 8));
    params.forEach((p, k) => {
      const shared = view(values, layout.values[k], p.size);
      shared.set(p.value);
      p.value = shared;
      if (p.sparse) return;
      const grad = view(mainGrads, layout.mainGrads[k], p.size);
      grad.set(p.grad);
      p.grad = grad;
    });
    const own = Array.from({ length: threads - 1 }, () => new SharedArrayBuffer(layout.bytes));
    const workers: RuntimeWorker[] = [];
    try {
      await Promise.all(own.map((buffer) => {
        const worker = runtime.startWorker(new URL("./data_parallel_worker.ts", import.meta.url));
        workers.push(worker);
        return new Promise<void>((resolve, reject) => {
          worker.onMessage((data) =>
            data === "ready"
              ? resolve()
              : reject(new Error(`data-parallel worker: ${String(data)}`))
          );
          worker.onError((message) =>
            reject(new Error(`data-parallel worker failed to start: ${message}`))
          );
          const init: WorkerInit = {
            name: model.name,
            config: model.config,
            wasm: wasmKernelsOn(),
            nativeBlas: nativeBlasOn(),
            inputs,
            values,
            mainGrads,
            optimizer,
            own: buffer,
            layout,
          };
          worker.postMessage(init);
        });
      }));
    } catch (e) {
      for (const worker of workers) worker.terminate();
      unshare(params);
      throw e;
    }
    return new DataParallel(model, inputs, { workers, own, layout, optimizer });
  }

  /** Throws unless this group trains `model` on `inputs`. */
  assertServes(model: CtrModel, inputs: CtrInputs): void {
    if (this.#closed) throw new Error("DataParallel: the group is closed");
    if (model !== this.model) {
      throw new Error("DataParallel: the group was started for another model");
    }
    if (inputs !== this.inputs) {
      throw new Error("DataParallel: the group was started on other training inputs");
    }
  }

  /**
   * Forward and backward of `batch` (of the group's inputs) on all threads; leaves the summed
   * gradient of the batch's mean loss in the model's gradients. Returns the mean loss.
   */
  accumulate(batch: BatchView): number {
    return this.#shards(batch, null);
  }

  /**
   * One training step: forward and backward on all threads, then Adam. The first worker sums
   * its gradients of the dense tensors into this thread's and updates those tensors as soon as
   * both shards are done, while this thread sums the embedding rows and updates the rest.
   * Returns the mean loss. Needs `updatesWith(adam)` first.
   */
  step(adam: Adam, batch: BatchView): number {
    const bound = this.#bound;
    if (bound?.adam !== adam) throw new Error("DataParallel.step: call updatesWith(adam) first");
    this.assertServes(this.model, batch.inputs);
    const c = adam.beginStep(1), k = this.#constants;
    k[0] = c.b1;
    k[1] = c.b2;
    k[2] = c.eps;
    k[3] = c.stepSize;
    k[4] = c.gradScale;
    const seq = this.#seq + 1;
    try {
      const loss = this.#shards(batch, bound.owned);
      for (let i = 0; i < adam.params.length; i++) if (!bound.owned[i]) adam.updateParam(i, c);
      return loss;
    } finally {
      // The worker answers `updated` after its update, or after skipping it.
      if (this.#seq === seq && !this.#closed) this.#wait(0, seq, CTRL.updated);
    }
  }

  /**
   * Runs the shards and sums the gradients in thread order. With `owned` (a `step`), the first
   * worker keeps its gradients of those tensors and updates them once this thread's are final:
   * the other workers' are summed first, then it is released.
   */
  #shards(batch: BatchView, owned: boolean[] | null): number {
    this.assertServes(this.model, batch.inputs);
    const size = batch.size, T = this.threads, seq = ++this.#seq;
    const shard = (t: number) => Math.floor((size * t) / T);
    for (let w = 0; w < T - 1; w++) {
      const from = shard(w + 1), to = shard(w + 2), ctrl = this.#ctrl[w];
      this.#index[w].set(batch.index.subarray(batch.start + from, batch.start + to));
      ctrl[CTRL.size] = to - from;
      ctrl[CTRL.denominator] = size;
      ctrl[CTRL.op] = owned && w === 0 ? OP.shardThenUpdate : OP.shard;
      Atomics.store(ctrl, CTRL.seq, seq);
      Atomics.notify(ctrl, CTRL.seq);
    }
    const ctrl0 = this.#ctrl[0];
    let released = owned === null;
    const release = (ready: number) => {
      if (released) return;
      released = true;
      Atomics.store(ctrl0, CTRL.ready, ready);
      Atomics.notify(ctrl0, CTRL.ready);
    };
    try {
      let loss = accumulateGradients(
        this.model,
        { inputs: batch.inputs, index: batch.index, start: batch.start, size: shard(1) },
        size,
      );
      // Thread order; with `owned`, the first worker's turn comes after its release.
      const order = Array.from({ length: T - 1 }, (_, w) => w);
      if (owned) order.push(order.shift()!);
      for (const w of order) {
        if (w === 0) release(seq);
        this.#wait(w, seq);
        loss += this.#loss[w][0];
        this.#sum(w, w === 0 ? owned : null);
      }
      return loss / size;
    } finally {
      release(-seq);
    }
  }

  /** Adds worker `w`'s gradients into the model's (but `skip`'s), clearing them as it goes. */
  #sum(w: number, skip: boolean[] | null): void {
    const params = this.model.store.params, grads = this.#grads[w], touched = this.#touched[w];
    for (let k = 0; k < params.length; k++) {
      const p = params[k], g = p.grad, wg = grads[k];
      // Summing clears the worker's gradient, off the worker's path.
      if (!p.sparse) {
        if (skip?.[k]) continue;
        for (let i = 0; i < g.length; i++) {
          g[i] += wg[i];
          wg[i] = 0;
        }
        continue;
      }
      const list = touched[k]!, rs = p.rowSize;
      for (let i = 1, end = list[0] + 1; i < end; i++) {
        const r = list[i], o = r * rs;
        for (let j = o; j < o + rs; j++) {
          g[j] += wg[j];
          wg[j] = 0;
        }
        p.markRow(r);
      }
    }
  }

  /** Waits until worker `w` answers `seq` in `word` (`done` by default); throws its error. */
  #wait(w: number, seq: number, word: number = CTRL.done): void {
    const ctrl = this.#ctrl[w];
    const spinUntil = performance.now() + SPIN_MS;
    while (Atomics.load(ctrl, word) !== seq && performance.now() < spinUntil);
    const deadline = performance.now() + 600_000;
    for (;;) {
      const done = Atomics.load(ctrl, word);
      if (done === seq) break;
      if (performance.now() > deadline) {
        throw new Error(`data-parallel worker ${w + 1}: no answer for 600 s`);
      }
      Atomics.wait(ctrl, word, done, 1_000);
    }
    if (Atomics.load(ctrl, CTRL.error) !== 0) {
      const bytes = this.#errors[w].slice();
      const text = new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(0) >>> 0));
      throw new Error(`data-parallel worker ${w + 1}: ${text}`);
    }
  }

  /** Stops the workers; the model's values move back to ordinary memory. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const ctrl of this.#ctrl) {
      Atomics.store(ctrl, CTRL.seq, -1);
      Atomics.notify(ctrl, CTRL.seq);
    }
    for (const worker of this.#workers) worker.terminate();
    unshare(this.model.store.params);
  }

  /**
   * True when the first worker can take the update of `adam`'s dense tensors off this thread
   * (`step`): Adam keeps float32 moments in WebAssembly and updates this model. Binds the worker
   * to `adam` on first use.
   */
  updatesWith(adam: Adam): boolean {
    const state = adam.wasmState, params = this.model.store.params, memory = this.#optimizer;
    if (state === null || memory === null || !wasmKernelsOn()) return false;
    // What the worker updates depends on the kernels being on, checked above, and nothing else.
    const bound = this.#bound;
    if (bound?.adam === adam) return true;
    if (adam.params.length !== params.length || !adam.params.every((p, k) => p === params[k])) {
      return false;
    }
    // Dense tensors only: the worker reads this thread's gradients of those in shared memory.
    const owned = params.map((p, k) => !p.sparse && adam.updatesInWasm(k));
    // The group's memory holds one Adam state at a time: a previous one moves out first.
    if (bound) {
      const old = bound.adam.wasmState!,
        out = WasmAdamState.memory(
          WasmAdamState.bytes(old.layout.sizes, 1),
        );
      if (out === null) return false;
      old.moveTo(out, 0, 1);
      this.#bound = null;
    }
    if (state.memory !== memory) state.moveTo(memory, 0, 2);
    const P = params.length, b = this.#binding;
    b[0] = state.layout.slots[1];
    for (let k = 0; k < P; k++) {
      b[1 + k] = state.layout.m[k];
      b[1 + P + k] = state.layout.v[k];
      b[1 + 2 * P + k] = owned[k] ? 1 : 0;
    }
    this.#signal(0, OP.bind);
    this.#wait(0, this.#seq);
    this.#bound = { adam, owned };
    return true;
  }

  /** Wakes worker `w` for `op` under a new sequence number. */
  #signal(w: number, op: number): void {
    const ctrl = this.#ctrl[w], seq = ++this.#seq;
    ctrl[CTRL.op] = op;
    Atomics.store(ctrl, CTRL.seq, seq);
    Atomics.notify(ctrl, CTRL.seq);
  }
}

/** Moves values and gradients back into memory of their own (after the workers are gone). */
function unshare(params: CtrModel["store"]["params"]): void {
  for (const p of params) {
    if (p.value.buffer instanceof SharedArrayBuffer) p.value = p.value.slice();
    if (p.grad.buffer instanceof SharedArrayBuffer) p.grad = p.grad.slice();
  }
}

/**
 * A float view of `dtype` on a shared buffer.
 *
 * @example
 * ```ts
 * import { floatView } from "./data_parallel.ts";
 * const v = floatView("float32")(new SharedArrayBuffer(16), 0, 4); // Float32Array(4)
 * ```
 */
export function floatView(
  dtype: "float32" | "float64",
): (buffer: SharedArrayBuffer, byteOffset: number, length: number) => Floats {
  return dtype === "float64"
    ? (b, o, n) => new Float64Array(b, o, n)
    : (b, o, n) => new Float32Array(b, o, n);
}
