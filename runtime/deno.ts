/**
 * The runtime layer on Deno: thin wrappers of `Deno.*` and web workers.
 *
 * @module
 */
import type {
  DirEntry,
  FileHandle,
  FileInfo,
  NativeSgemm,
  OpenOptions,
  ParentPort,
  Runtime,
  RuntimeWorker,
} from "./types.ts";

async function open(path: string, options: OpenOptions = {}): Promise<FileHandle> {
  const file = await Deno.open(
    path,
    options.write ? { write: true, create: true, truncate: true } : { read: true },
  );
  return {
    read: (buffer) => file.read(buffer),
    write: (bytes) => file.write(bytes),
    seek: async (offset) => void await file.seek(offset, Deno.SeekMode.Start),
    size: async () => (await file.stat()).size,
    [Symbol.dispose]: () => file.close(),
  };
}

function startWorker(url: URL): RuntimeWorker {
  const worker = new Worker(url.href, { type: "module" });
  return {
    postMessage: (message) => worker.postMessage(message),
    onMessage: (listener) => worker.onmessage = (e: MessageEvent) => listener(e.data),
    onError: (listener) =>
      worker.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        listener(e.message);
      },
    terminate: () => worker.terminate(),
  };
}

declare const self: {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
};

function parentPort(): ParentPort {
  return {
    onMessage: (listener) => self.onmessage = listener && ((e) => listener(e.data)),
    postMessage: (message) => self.postMessage(message),
  };
}

const info = ({ isFile, isDirectory, size }: Deno.FileInfo): FileInfo => ({
  isFile,
  isDirectory,
  size,
});

/** The Deno implementation of {@linkcode Runtime}. */
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

function openNativeSgemm(): NativeSgemm | undefined {
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
      return (g) => {
        // The library reads and writes raw memory: a short array must fail here instead.
        if (g.a.length < g.m * g.k || g.b.length < g.k * g.n || g.c.length < g.m * g.n) {
          throw new RangeError(`sgemm ${g.m}x${g.n}x${g.k}: an operand is too short`);
        }
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
      };
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

export const runtime: Runtime = {
  name: "deno",
  get pid() {
    return Deno.pid;
  },
  env(name) {
    try {
      return Deno.env.get(name);
    } catch {
      return undefined; // no --allow-env: as if unset
    }
  },
  readFile: (path) => Deno.readFile(path),
  open,
  readTextFile: (path) => Deno.readTextFile(path),
  readTextFileSync: (path) => Deno.readTextFileSync(path),
  writeFile: (path, data) => Deno.writeFile(path, data),
  writeTextFile: (path, text) => Deno.writeTextFile(path, text),
  mkdir: (path, options) => Deno.mkdir(path, options),
  rename: (from, to) => Deno.rename(from, to),
  stat: async (path) => info(await Deno.stat(path)),
  statSync: (path) => info(Deno.statSync(path)),
  readDirSync: (path): Iterable<DirEntry> => Deno.readDirSync(path),
  isNotFound: (error) => error instanceof Deno.errors.NotFound,
  startWorker,
  parentPort,
  openNativeSgemm,
};
