/**
 * Finite-difference gradient checks in float64: central differences with h = 1e-5 against the
 * analytic gradients, |analytic − numeric| ≤ 1e-7 + 1e-4·max(|analytic|, |numeric|).
 *
 * @module
 */
import type { Param, ParamStore } from "../../backbone/param.ts";
import type { Floats } from "../../backbone/types.ts";
import { SeededRandom } from "../../util/random.ts";

const H = 1e-5;
const ABS = 1e-7;
const REL = 1e-4;

function close(analytic: number, numeric: number): boolean {
  return Math.abs(analytic - numeric) <=
    ABS + REL * Math.max(Math.abs(analytic), Math.abs(numeric));
}

/** Indices to probe in a parameter: every entry of small tensors, a seeded sample of large ones. */
function probes(p: Param, rng: SeededRandom, max: number): number[] {
  if (p.sparse) {
    // Only rows that received gradient can have a non-zero derivative.
    const out: number[] = [];
    for (let i = 0; i < p.touchedCount && out.length < max; i++) {
      const row = p.touchedList[i];
      out.push(row * p.rowSize + rng.int(p.rowSize));
    }
    return out;
  }
  if (p.size <= max) return Array.from({ length: p.size }, (_, i) => i);
  return Array.from({ length: max }, () => rng.int(p.size));
}

/**
 * Checks every parameter of `store` (and optionally an input buffer) for a scalar loss
 * computed by `loss()`, after `analytic()` has filled the gradients.
 *
 * @returns the number of probed entries (so tests can assert the check did something).
 */
export function gradCheck(options: {
  store: ParamStore;
  /** Runs forward + backward; leaves gradients in the params (and returns the input grad). */
  analytic: () => Floats | null;
  /** Forward only; returns the scalar loss. */
  loss: () => number;
  input?: Floats;
  maxPerParam?: number;
  label: string;
}): number {
  const { store, label } = options;
  if (store.dtype !== "float64") throw new Error("gradCheck needs a float64 store");
  store.zeroGrad();
  const dx = options.analytic();
  const analyticGrads = store.params.map((p) => p.grad.slice());
  const analyticDx = dx && options.input ? dx.slice(0, options.input.length) : null;
  const rng = new SeededRandom(99);
  let probed = 0;
  const failures: string[] = [];
  store.params.forEach((p, k) => {
    for (const i of probes(p, rng, options.maxPerParam ?? 12)) {
      const keep = p.value[i];
      p.value[i] = keep + H;
      const up = options.loss();
      p.value[i] = keep - H;
      const down = options.loss();
      p.value[i] = keep;
      const numeric = (up - down) / (2 * H);
      probed++;
      if (!close(analyticGrads[k][i], numeric)) {
        failures.push(`${p.name}[${i}]: analytic ${analyticGrads[k][i]} vs numeric ${numeric}`);
      }
    }
  });
  if (options.input && analyticDx) {
    const x = options.input;
    for (let t = 0; t < Math.min(x.length, 24); t++) {
      const i = rng.int(x.length);
      const keep = x[i];
      x[i] = keep + H;
      const up = options.loss();
      x[i] = keep - H;
      const down = options.loss();
      x[i] = keep;
      const numeric = (up - down) / (2 * H);
      probed++;
      if (!close(analyticDx[i], numeric)) {
        failures.push(`input[${i}]: analytic ${analyticDx[i]} vs numeric ${numeric}`);
      }
    }
  }
  if (failures.length > 0) {
    throw new Error(
      `${label}: ${failures.length} gradient mismatches:\n${failures.slice(0, 10).join("\n")}`,
    );
  }
  return probed;
}

/** Σ r_i·y_i with fixed weights, the scalar loss of layer-level checks. */
export function weightedSum(y: Floats, r: Float64Array): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += r[i] * y[i];
  return s;
}

/** Seeded normal vector. */
export function randomVector(n: number, seed: number, scale = 1): Float64Array {
  const rng = new SeededRandom(seed);
  return Float64Array.from({ length: n }, () => rng.normal() * scale);
}
