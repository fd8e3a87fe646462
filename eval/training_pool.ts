/**
 * Runs independent trainings (backbone x condition x seed) on a pool of workers, one training per
 * worker at a time, so a 2-core machine trains two models at once.
 *
 * @module
 */
import type { CtrInputs, ModelConfig, ModelName, TrainOptions } from "../backbone/mod.ts";

/** One training, as sent to a worker. */
export interface TrainingJob {
  id: number;
  backbone: ModelName;
  config: ModelConfig;
  train: CtrInputs;
  valid?: CtrInputs;
  test: CtrInputs;
  /**
   * Plain-data options (no callbacks or signals cross into a worker); `trackTest` also measures
   * test AUC after every epoch (for learning curves; selection never reads it).
   */
  options: Omit<TrainOptions, "log" | "onEpoch" | "signal"> & { trackTest?: boolean };
}

/** AUCs after one epoch. */
export interface EpochAuc {
  epoch: number;
  validAuc?: number;
  /** Only with `trackTest`. */
  testAuc?: number;
}

/** What a training returns. */
export interface TrainedModel {
  result: {
    auc: number;
    logloss: number;
    validAuc?: number;
    bestEpoch: number;
    epochs: number;
    /** Per-epoch AUCs. */
    curve: EpochAuc[];
    seconds: number;
  };
  /** The trained weights as safetensors bytes (`modelFromSafetensors` rebuilds the model). */
  weights: Uint8Array;
}

/** Messages from a worker. */
export type WorkerMessage =
  | { kind: "log"; id: number; line: string }
  | ({ kind: "done"; id: number } & TrainedModel)
  | { kind: "error"; id: number; message: string };

/** A pool of training workers. */
export interface TrainingPool {
  /** Trains one model; `log` receives its progress lines. */
  train(job: Omit<TrainingJob, "id">, log: (line: string) => void): Promise<TrainedModel>;
  /** Stops every worker (pending trainings are rejected). */
  close(): void;
}

/**
 * Starts `size` workers (default: the number of logical cores, at most 4).
 *
 * @example
 * ```ts
 * import { trainingPool } from "./training_pool.ts";
 * const pool = trainingPool({ size: 2 });
 * pool.close();
 * ```
 */
export function trainingPool(options: { size?: number; signal?: AbortSignal } = {}): TrainingPool {
  const size = Math.max(1, options.size ?? Math.min(4, navigator.hardwareConcurrency || 1));
  const idle: Worker[] = [];
  const all: Worker[] = [];
  const waiting: ((w: Worker) => void)[] = [];
  const pending = new Map<
    number,
    { resolve: (t: TrainedModel) => void; reject: (e: Error) => void; log: (s: string) => void }
  >();
  let nextId = 0;
  let closed = false;
  for (let k = 0; k < size; k++) {
    const w = new Worker(new URL("./training_worker.ts", import.meta.url).href, { type: "module" });
    w.onmessage = (e: MessageEvent<WorkerMessage>) => {
      const m = e.data, p = pending.get(m.id);
      if (!p) return;
      if (m.kind === "log") return p.log(m.line);
      pending.delete(m.id);
      release(w);
      if (m.kind === "done") p.resolve({ result: m.result, weights: m.weights });
      else p.reject(new Error(m.message));
    };
    w.onerror = (e) => {
      e.preventDefault();
      for (const [id, p] of pending) {
        pending.delete(id);
        p.reject(new Error(`training worker failed: ${e.message}`));
      }
    };
    all.push(w);
    idle.push(w);
  }
  const release = (w: Worker) => {
    const next = waiting.shift();
    if (next) next(w);
    else idle.push(w);
  };
  const acquire = () =>
    new Promise<Worker>((resolve) => {
      const w = idle.pop();
      if (w) resolve(w);
      else waiting.push(resolve);
    });
  const close = () => {
    if (closed) return;
    closed = true;
    for (const w of all) w.terminate();
    for (const [id, p] of pending) {
      pending.delete(id);
      p.reject(new Error("training cancelled"));
    }
  };
  options.signal?.addEventListener("abort", close, { once: true });
  return {
    async train(job, log) {
      if (closed) throw new Error("training pool is closed");
      const w = await acquire();
      const id = nextId++;
      return await new Promise<TrainedModel>((resolve, reject) => {
        pending.set(id, { resolve, reject, log });
        w.postMessage({ ...job, id });
      });
    },
    close,
  };
}
