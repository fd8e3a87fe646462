/**
 * The system OpenBLAS's `cblas_sgemm`, reached through Deno's FFI when the library is installed
 * (a pthreads or OpenMP build) and FFI is permitted; otherwise nothing (the WebAssembly kernels
 * stay the portable path).
 * Operands are passed as views of the callers' Float32Arrays, without copies. The library is told
 * to use one thread: r4ec runs its own data parallelism, and one thread keeps results
 * deterministic.
 *
 * @module
 */

import { type NativeSgemm, runtime } from "../runtime/mod.ts";

export type { NativeSgemm };

let loaded: NativeSgemm | null | undefined;

/**
 * The system OpenBLAS's sgemm, loaded once: from `R4EC_BLAS` when set, else the usual Debian
 * paths. Undefined, quietly, outside Deno, without FFI permission or when no library loads.
 *
 * @example
 * ```ts
 * import { loadNativeSgemm } from "./blas_ffi.ts";
 * console.log(loadNativeSgemm() ? "OpenBLAS" : "no native BLAS");
 * ```
 */
export function loadNativeSgemm(): NativeSgemm | undefined {
  if (loaded === undefined) loaded = runtime.openNativeSgemm() ?? null;
  return loaded ?? undefined;
}
