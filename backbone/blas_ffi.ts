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

/**
 * Where Debian and Ubuntu install OpenBLAS, tried in this order. Serial builds are refused when
 * found: their buffers are not safe for calls from two threads at once, which data-parallel
 * workers make (tests/backbone/data_parallel_test.ts failed on one).
 */
const SEARCH_PATHS = [
  "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
  "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
  "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
  "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
  "/usr/lib/libopenblas.so.0",
];

const SYMBOLS = {
  cblas_sgemm: {
    parameters: [
      "i32", // order
      "i32", // transA
      "i32", // transB
      "i32", // M
      "i32", // N
      "i32", // K
      "f32", // alpha
      "buffer", // A
      "i32", // lda
      "buffer", // B
      "i32", // ldb
      "f32", // beta
      "buffer", // C
      "i32", // ldc
    ],
    result: "void",
  },
  openblas_set_num_threads: { parameters: ["i32"], result: "void" },
  /** 0 for a serial build, 1 for pthreads, 2 for OpenMP. */
  openblas_get_parallel: { parameters: [], result: "i32" },
} as const;

const ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

/**
 * Row-major `C[m, n] = alpha · op(A) · op(B) + beta · C`, where `op(A)` is `m × k` (stored
 * `k × m` when `transA`) and `op(B)` is `k × n` (stored `n × k` when `transB`); leading
 * dimensions are the stored row lengths.
 *
 * @example
 * ```ts
 * import { loadNativeSgemm } from "./blas_ffi.ts";
 * const sgemm = loadNativeSgemm();
 * const c = new Float32Array(1);
 * sgemm?.({ m: 1, n: 1, k: 2, a: new Float32Array([1, 2]), b: new Float32Array([3, 4]), c });
 * ```
 */
export type NativeSgemm = (args: {
  m: number;
  n: number;
  k: number;
  a: Float32Array;
  b: Float32Array;
  c: Float32Array;
  /** @default false */
  transA?: boolean;
  /** @default false */
  transB?: boolean;
  /** @default 0 */
  beta?: number;
}) => void;

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
  if (loaded === undefined) loaded = open() ?? null;
  return loaded ?? undefined;
}

function open(): NativeSgemm | undefined {
  if (typeof Deno === "undefined" || typeof Deno.dlopen !== "function") return undefined;
  try {
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return undefined;
  } catch {
    return undefined;
  }
  for (const path of candidates()) {
    try {
      const dylib = Deno.dlopen(path, SYMBOLS), lib = dylib.symbols;
      if (lib.openblas_get_parallel() === 0) {
        dylib.close();
        continue;
      }
      lib.openblas_set_num_threads(1);
      return (g) =>
        lib.cblas_sgemm(
          ROW_MAJOR,
          g.transA ? TRANS : NO_TRANS,
          g.transB ? TRANS : NO_TRANS,
          g.m,
          g.n,
          g.k,
          1,
          g.a,
          g.transA ? g.m : g.k,
          g.b,
          g.transB ? g.k : g.n,
          g.beta ?? 0,
          g.c,
          g.n,
        );
    } catch {
      // Not there or not an OpenBLAS: try the next path.
    }
  }
  return undefined;
}

function candidates(): string[] {
  let override: string | undefined;
  try {
    override = Deno.env.get("R4EC_BLAS");
  } catch {
    override = undefined; // no env permission: the default paths only
  }
  return override ? [override] : SEARCH_PATHS;
}
