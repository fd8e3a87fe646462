/**
 * A data-parallel training thread (`DataParallel`): builds a replica of the model whose values
 * are the shared ones, then, for every step the calling thread posts, runs forward and backward
 * of its shard into its own gradient buffer and publishes the rows its embedding tables touched.
 *
 * @module
 */
import { createModel } from "./create_model.ts";
import { CTRL, floatView, type WorkerInit } from "./data_parallel.ts";
import { useWasmKernels } from "./kernels.ts";
import { accumulateGradients } from "./trainer.ts";

declare const self: {
  onmessage: ((e: MessageEvent<WorkerInit>) => void) | null;
  postMessage(message: string): void;
};

self.onmessage = (e) => {
  const init = e.data;
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
    const touched = params.map((p, k) =>
      p.sparse ? new Int32Array(own, layout.touched[k], p.shape[0] + 1) : null
    );
    const ctrl = new Int32Array(own, layout.ctrl, CTRL.length);
    const loss = new Float64Array(own, layout.loss, 1);
    const index = new Int32Array(own, layout.index, init.inputs.split.size);
    const error = new Uint8Array(own, layout.error, own.byteLength - layout.error);
    self.postMessage("ready");
    // The loop blocks this thread on purpose: steps come through shared memory, not messages.
    for (let seq = 0;;) {
      Atomics.wait(ctrl, CTRL.seq, seq);
      seq = Atomics.load(ctrl, CTRL.seq);
      if (seq < 0) break;
      try {
        // The calling thread cleared this worker's gradients as it summed them.
        const size = ctrl[CTRL.size];
        loss[0] = accumulateGradients(
          model,
          { inputs: init.inputs, index, start: 0, size },
          ctrl[CTRL.denominator],
        );
        params.forEach((p, k) => {
          const list = touched[k];
          if (!list) return;
          list[0] = p.touchedCount;
          list.set(p.touchedList.subarray(0, p.touchedCount), 1);
          p.clearTouched();
        });
      } catch (err) {
        const text = new TextEncoder().encode(String((err as Error)?.message ?? err));
        error.fill(0);
        error.set(text.subarray(0, error.length - 1));
        Atomics.store(ctrl, CTRL.error, 1);
      }
      Atomics.store(ctrl, CTRL.done, seq);
      Atomics.notify(ctrl, CTRL.done);
    }
  } catch (err) {
    self.postMessage(`replica failed: ${(err as Error)?.message ?? err}`);
  }
};
