/**
 * A training's progress lines (from the trainer, through its worker) as one progress step: samples
 * trained of the most it can train (epochs x training samples), with the epoch, the loss and the
 * validation AUC of the latest finished epoch as its note. Lines it does not know are passed on as they are.
 *
 * @module
 */
import type { Progress, ProgressStep } from "../util/progress.ts";

/** What one training reports to. */
export interface TrainingProgress {
  /** A line of the trainer's log. */
  log(line: string): void;
  /** The training's final line. */
  end(line: string): void;
}

// The trainer's lines: `epoch 2 30% loss 0.6815 4371 samples/s` and
// `epoch 2 done: loss 0.6763, 1.6 s, valid AUC 0.5987`.
const PARTIAL = /^epoch (\d+) (\d+)% loss ([\d.]+) /;
const DONE = /^epoch (\d+) done: loss ([\d.]+), [\d.]+ s(?:, valid AUC ([\d.]+))?/;

/**
 * Starts reporting one training's progress under `label`; the step starts with the first line, so
 * a training waiting for a worker shows nothing.
 *
 * @example
 * ```ts
 * import { Progress } from "../util/progress.ts";
 * import { trainingProgress } from "./training_progress.ts";
 * const progress = new Progress({ terminal: false, write: (text) => console.log(text.trim()) });
 * const training = trainingProgress(progress, "train din/base/seed 1", { epochs: 4, samples: 1000 });
 * training.log("epoch 1 50% loss 0.6900 2000 samples/s");
 * training.end("train din/base/seed 1: test AUC 0.6000");
 * ```
 */
export function trainingProgress(
  progress: Progress,
  label: string,
  size: { epochs: number; samples: number },
): TrainingProgress {
  let step: ProgressStep | undefined;
  let valid = "";
  return {
    log(line) {
      const partial = PARTIAL.exec(line), done = partial ? null : DONE.exec(line);
      if (!partial && !done) {
        progress.log(`${label}: ${line}`);
        return;
      }
      step ??= progress.step(label, size.epochs * size.samples, "samples");
      const epoch = Number((partial ?? done)![1]);
      const of = `epoch ${epoch}/${size.epochs}`;
      if (partial) {
        const share = Number(partial[2]) / 100;
        step.update((epoch - 1 + share) * size.samples, `${of}, loss ${partial[3]}${valid}`);
        return;
      }
      if (done![3]) valid = `, valid AUC ${done![3]}`;
      step.update(epoch * size.samples, `${of}, loss ${done![2]}${valid}`);
    },
    end(line) {
      if (step) step.end(line);
      else progress.log(line);
    },
  };
}
