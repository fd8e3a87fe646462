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
import { createModel } from "./create_model.ts";
import { CTRL, floatView, OP, type WorkerInit } from "./data_parallel.ts";
import { useWasmKernels } from "./kernels.ts";
import { accumulateGradients } from "./loss.ts";
import { WasmAdamState } from "./wasm/adam_state.ts";

declare const self: {
  onmessage: ((e: MessageEvent<WorkerInit>) => void) | null;
  postMessage(message: string): void;
};

self.onmessage = (e) => {
  const init = e.data as WorkerInit;
  self.onmessage = null;
  try {
    useWasmKernels(init.wasm);
    const model = createModel(init.name, init.config);
    const { layout, own } = init, view = floatView(model.store.dtype);
    const params = model.store.params;
    params.forEach((p, k) => {
      p.value = view(init.values, layout.values[k], p.size);
      p.grad = view(own, layout.grads[k], p.size);
    });
    const mainGrads = params.map((p, k) =>
      p.sparse ? null : view(init.mainGrads, layout.mainGrads[k], p.size)
    );
    const touched = params.map((p, k) =>
      p.sparse ? new Int32Array(own, layout.touched[k], p.shape[0] + 1) : null
    );
    const ctrl = new Int32Array(own, layout.ctrl, CTRL.length);
    const loss = new Float64Array(own, layout.loss, 1);
    const constants = new Float64Array(own, layout.constants, 5);
    const index = new Int32Array(own, layout.index, init.inputs.split.size);
    const error = new Uint8Array(own, layout.error, own.byteLength - layout.error);
    const binding = new Int32Array(own, layout.binding, 1 + 3 * params.length);
    let update: { state: WasmAdamState; params: number[] } | null = null;
    let seq = 0;

    const fail = (err: unknown) => {
      const text = new TextEncoder().encode(String((err as Error)?.message ?? err));
      error.fill(0);
      error.set(text.subarray(0, error.length - 1));
      Atomics.store(ctrl, CTRL.error, 1);
    };
    const answer = (word: number) => {
      Atomics.store(ctrl, word, seq);
      Atomics.notify(ctrl, word);
    };
    const shard = () => {
      // The calling thread cleared this worker's gradients as it summed them (or `updateDense` did).
      loss[0] = accumulateGradients(
        model,
        { inputs: init.inputs, index, start: 0, size: ctrl[CTRL.size] },
        ctrl[CTRL.denominator],
      );
      params.forEach((p, k) => {
        const list = touched[k];
        if (!list) return;
        list[0] = p.touchedCount;
        list.set(p.touchedList.subarray(0, p.touchedCount), 1);
        p.clearTouched();
      });
    };
    /** Waits for the calling thread's gradients; false when the step failed there. */
    const ready = (): boolean => {
      for (;;) {
        const r = Atomics.load(ctrl, CTRL.ready);
        if (r === seq || r === -seq) return r === seq;
        Atomics.wait(ctrl, CTRL.ready, r);
      }
    };
    const bind = () => {
      if (!init.optimizer) throw new Error("no memory for Adam's state");
      const P = params.length;
      const layout = {
        m: Array.from(binding.subarray(1, 1 + P)),
        v: Array.from(binding.subarray(1 + P, 1 + 2 * P)),
        sizes: params.map((p) => p.size),
        slots: [binding[0]],
      };
      update = {
        state: WasmAdamState.attach(init.optimizer, layout),
        params: params.flatMap((_, k) => (binding[1 + 2 * P + k] ? [k] : [])),
      };
    };
    const updateDense = () => {
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
    };
    // Blocks this thread on purpose: steps come through shared memory, not messages.
    const serve = () => {
      for (;;) {
        Atomics.wait(ctrl, CTRL.seq, seq);
        const next = Atomics.load(ctrl, CTRL.seq);
        if (next < 0) return;
        seq = next;
        const op = ctrl[CTRL.op];
        if (op === OP.bind) {
          try {
            bind();
          } catch (err) {
            fail(err);
          }
          answer(CTRL.done);
          continue;
        }
        let ok = true;
        try {
          shard();
        } catch (err) {
          fail(err);
          ok = false;
        }
        answer(CTRL.done);
        if (op !== OP.shardThenUpdate) continue;
        try {
          if (ready() && ok) updateDense();
        } catch (err) {
          fail(err);
        }
        answer(CTRL.updated);
      }
    };
    self.postMessage("ready");
    serve();
  } catch (err) {
    self.postMessage(`replica failed: ${(err as Error)?.message ?? err}`);
  }
};
