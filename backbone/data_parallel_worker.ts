/**
 * A data-parallel training thread (`DataParallel`): builds a replica of the model whose values
 * are the shared ones, then, for every step the calling thread posts, runs forward and backward
 * of its shard into its own gradient buffer and publishes the rows its embedding tables touched.
 * The first worker, once bound to an Adam (`OP.bind`: its state in the memory this worker got at
 * start, described by the binding words), also runs the update of the dense tensors after its
 * shard (`OP.shardThenUpdate`): once the calling thread's gradients are final, its gradient plus
 * the calling thread's, into the shared values and moments.
 *
 * @module
 */
import { runtime } from "../runtime/mod.ts";
import { createModel } from "./create_model.ts";
import { CTRL, floatView, OP, type WorkerInit } from "./data_parallel.ts";
import { useNativeBlas, useWasmKernels } from "./kernels.ts";
import { accumulateGradients } from "./loss.ts";
import { WasmAdamState } from "./wasm/adam_state.ts";
import type { CtrModel } from "./model.ts";
import type { Param } from "./param.ts";
import type { Floats } from "./types.ts";

const parent = runtime.parentPort();
parent.onMessage((data) => {
  const init = data as WorkerInit;
  parent.onMessage(null);
  try {
    const replica = new Replica(init);
    parent.postMessage("ready");
    replica.serve();
  } catch (err) {
    parent.postMessage(`replica failed: ${(err as Error)?.message ?? err}`);
  }
});

/** The replica of the model on this thread and its views of the shared memory. */
class Replica {
  readonly init: WorkerInit;
  readonly model: CtrModel;
  readonly params: Param[];
  /** The calling thread's dense gradients (null for sparse tensors). */
  readonly mainGrads: (Floats | null)[];
  /** Per sparse tensor: the count of rows touched, then the rows (null for dense tensors). */
  readonly touched: (Int32Array | null)[];
  readonly ctrl: Int32Array;
  readonly loss: Float64Array;
  /** Adam's step constants: b1, b2, eps, step size, gradient scale. */
  readonly constants: Float64Array;
  readonly index: Int32Array;
  readonly error: Uint8Array;
  /** Adam's slot count, the offsets of its moments and which tensors it updates (`OP.bind`). */
  readonly binding: Int32Array;
  update: { state: WasmAdamState; params: number[] } | null = null;
  seq = 0;

  constructor(init: WorkerInit) {
    this.init = init;
    useWasmKernels(init.wasm);
    // FFI permission is inherited from the calling thread, so the same library loads here.
    if (useNativeBlas(init.nativeBlas) !== init.nativeBlas) {
      throw new Error("the native BLAS loaded in the calling thread but not in this worker");
    }
    const model = createModel(init.name, init.config);
    this.model = model;
    const { layout, own } = init, view = floatView(model.store.dtype);
    const params = model.store.params;
    this.params = params;
    params.forEach((p, k) => {
      p.value = view(init.values, layout.values[k], p.size);
      p.grad = view(own, layout.grads[k], p.size);
    });
    this.mainGrads = params.map((p, k) =>
      p.sparse ? null : view(init.mainGrads, layout.mainGrads[k], p.size)
    );
    this.touched = params.map((p, k) =>
      p.sparse ? new Int32Array(own, layout.touched[k], p.shape[0] + 1) : null
    );
    this.ctrl = new Int32Array(own, layout.ctrl, CTRL.length);
    this.loss = new Float64Array(own, layout.loss, 1);
    this.constants = new Float64Array(own, layout.constants, 5);
    this.index = new Int32Array(own, layout.index, init.inputs.split.size);
    this.error = new Uint8Array(own, layout.error, own.byteLength - layout.error);
    this.binding = new Int32Array(own, layout.binding, 1 + 3 * params.length);
  }

  fail(err: unknown): void {
    const text = new TextEncoder().encode(String((err as Error)?.message ?? err));
    this.error.fill(0);
    this.error.set(text.subarray(0, this.error.length - 1));
    Atomics.store(this.ctrl, CTRL.error, 1);
  }

  answer(word: number): void {
    Atomics.store(this.ctrl, word, this.seq);
    Atomics.notify(this.ctrl, word);
  }

  shard(): void {
    const { ctrl } = this;
    // The calling thread cleared this worker's gradients as it summed them (or `updateDense` did).
    this.loss[0] = accumulateGradients(
      this.model,
      { inputs: this.init.inputs, index: this.index, start: 0, size: ctrl[CTRL.size] },
      ctrl[CTRL.denominator],
    );
    this.params.forEach((p, k) => {
      const list = this.touched[k];
      if (!list) return;
      list[0] = p.touchedCount;
      list.set(p.touchedList.subarray(0, p.touchedCount), 1);
      p.clearTouched();
    });
  }

  /** Waits for the calling thread's gradients; false when the step failed there. */
  ready(): boolean {
    const { ctrl, seq } = this;
    for (;;) {
      const r = Atomics.load(ctrl, CTRL.ready);
      if (r === seq || r === -seq) return r === seq;
      Atomics.wait(ctrl, CTRL.ready, r);
    }
  }

  bind(): void {
    const { init, params, binding } = this;
    if (!init.optimizer) throw new Error("no memory for Adam's state");
    const P = params.length;
    const layout = {
      m: Array.from(binding.subarray(1, 1 + P)),
      v: Array.from(binding.subarray(1 + P, 1 + 2 * P)),
      sizes: params.map((p) => p.size),
      slots: [binding[0]],
    };
    this.update = {
      state: WasmAdamState.attach(init.optimizer, layout),
      params: params.flatMap((_, k) => (binding[1 + 2 * P + k] ? [k] : [])),
    };
  }

  updateDense(): void {
    const { update, constants, params, mainGrads } = this;
    if (!update) throw new Error("no Adam bound for the dense update");
    const c = {
      b1: constants[0],
      b2: constants[1],
      eps: constants[2],
      stepSize: constants[3],
      gradScale: constants[4],
    };
    for (const k of update.params) {
      const p = params[k], mine = p.grad as Float32Array, theirs = mainGrads[k] as Float32Array;
      update.state.update(k, p.value as Float32Array, theirs, c, { also: mine });
      theirs.fill(0);
      mine.fill(0);
    }
  }

  /** Serves steps until the calling thread posts a negative sequence number. */
  serve(): void {
    const { ctrl } = this;
    // Blocks this thread on purpose: steps come through shared memory, not messages.
    for (;;) {
      Atomics.wait(ctrl, CTRL.seq, this.seq);
      const next = Atomics.load(ctrl, CTRL.seq);
      if (next < 0) return;
      this.seq = next;
      const op = ctrl[CTRL.op];
      if (op === OP.bind) {
        try {
          this.bind();
        } catch (err) {
          this.fail(err);
        }
        this.answer(CTRL.done);
        continue;
      }
      let ok = true;
      try {
        this.shard();
      } catch (err) {
        this.fail(err);
        ok = false;
      }
      this.answer(CTRL.done);
      if (op !== OP.shardThenUpdate) continue;
      try {
        if (this.ready() && ok) this.updateDense();
      } catch (err) {
        this.fail(err);
      }
      this.answer(CTRL.updated);
    }
  }
}
