/**
 * What the library asks of its host runtime: files, the environment, the process id and worker
 * threads. `deno.ts` and `node.ts` implement it; the library imports only `mod.ts`, which the npm
 * build points at the Node implementation (tools/build_npm.ts), as Hono keeps its adapters apart.
 *
 * @module
 */

/** What `stat` reports of a path. */
export interface FileInfo {
  /** A regular file. */
  isFile: boolean;
  /** A directory. */
  isDirectory: boolean;
  /** Size in bytes. */
  size: number;
}

/** One entry of a directory listing. */
export interface DirEntry {
  /** The entry's name inside the directory. */
  name: string;
}

/** An open file with its own position; `using` closes it. */
export interface FileHandle extends Disposable {
  /** Reads into `buffer` from the position; the count read, `null` at the end of the file. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Writes (some of) `bytes` at the position; the count written. */
  write(bytes: Uint8Array): Promise<number>;
  /** Moves the position to `offset` bytes from the start. */
  seek(offset: number): Promise<void>;
  /** The file's size in bytes. */
  size(): Promise<number>;
}

/** How to open a file: for reading (the default), or to write it afresh. */
export interface OpenOptions {
  /** Open for writing, creating the file and truncating it. */
  write?: boolean;
}

/** A worker thread as the calling thread sees it. */
export interface RuntimeWorker {
  /** Posts a structured-clonable message (a `SharedArrayBuffer` is shared, not copied). */
  postMessage(message: unknown): void;
  /** Calls `listener` with every message the worker posts. */
  onMessage(listener: (data: unknown) => void): void;
  /** Calls `listener` when the worker fails to load or throws uncaught. */
  onError(listener: (message: string) => void): void;
  /** Stops the worker at once. */
  terminate(): void;
}

/** The calling thread as a worker sees it. */
export interface ParentPort {
  /** Calls `listener` with every message the calling thread posts; `null` stops listening. */
  onMessage(listener: ((data: unknown) => void) | null): void;
  /** Posts a message to the calling thread. */
  postMessage(message: unknown): void;
}

/**
 * Row-major `C[m, n] = alpha · op(A) · op(B) + beta · C`, where `op(A)` is `m × k` (stored
 * `k × m` when `transA`) and `op(B)` is `k × n` (stored `n × k` when `transB`); leading
 * dimensions are the stored row lengths.
 *
 * @example
 * ```ts
 * import { runtime } from "./mod.ts";
 * const sgemm = runtime.openNativeSgemm();
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

/** The host runtime's operations the library uses (each implementation exports these). */
export interface Runtime {
  /** `"deno"` or `"node"`. */
  readonly name: "deno" | "node";
  /** The process id. */
  readonly pid: number;
  /** An environment variable, `undefined` when unset or when reading it is not permitted. */
  env(name: string): string | undefined;
  readFile(path: string): Promise<Uint8Array>;
  open(path: string, options?: OpenOptions): Promise<FileHandle>;
  readTextFile(path: string): Promise<string>;
  /** Reads a text file at once: a path, or a `file:` URL (a file beside a module). */
  readTextFileSync(path: string | URL): string;
  writeFile(path: string, data: Uint8Array): Promise<void>;
  writeTextFile(path: string, text: string): Promise<void>;
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  stat(path: string): Promise<FileInfo>;
  statSync(path: string): FileInfo;
  readDirSync(path: string): Iterable<DirEntry>;
  /** True when `error` says a path does not exist. */
  isNotFound(error: unknown): boolean;
  /** Starts the module at `url` as a worker thread. */
  startWorker(url: URL): RuntimeWorker;
  /** The calling thread, from inside a worker started by `startWorker`. */
  parentPort(): ParentPort;
  /**
   * The system OpenBLAS's `cblas_sgemm` (a pthreads or OpenMP build, told to use one thread), or
   * `undefined` where it is absent, FFI is not permitted or the host has no FFI (Node).
   */
  openNativeSgemm(): NativeSgemm | undefined;
}
