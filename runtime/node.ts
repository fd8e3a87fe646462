/**
 * The runtime layer on Node (≥ 20): `node:fs`, `node:process` and `node:worker_threads`. The npm
 * build points `runtime/mod.ts` here; Deno could run it too, but uses `deno.ts`.
 *
 * @module
 */
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import process from "node:process";
import * as threads from "node:worker_threads";
import { promisify } from "node:util";
import type {
  FileHandle,
  FileInfo,
  OpenOptions,
  ParentPort,
  Runtime,
  RuntimeWorker,
} from "./types.ts";

const openFd = promisify(fs.open);
const readFd = promisify(fs.read);
const writeFd = promisify(fs.write);
const fstatFd = promisify(fs.fstat);

// A raw descriptor rather than fs.promises' FileHandle, so that `using` can close it synchronously.
async function open(path: string, options: OpenOptions = {}): Promise<FileHandle> {
  const fd = await openFd(path, options.write ? "w" : "r");
  let position = 0;
  return {
    read: async (buffer) => {
      if (buffer.length === 0) return 0;
      const { bytesRead } = await readFd(fd, buffer, 0, buffer.length, position);
      position += bytesRead;
      return bytesRead === 0 ? null : bytesRead;
    },
    write: async (bytes) => {
      const { bytesWritten } = await writeFd(fd, bytes, 0, bytes.length, position);
      position += bytesWritten;
      return bytesWritten;
    },
    seek: (offset) => {
      position = offset;
      return Promise.resolve();
    },
    size: async () => (await fstatFd(fd)).size,
    [Symbol.dispose]: () => fs.closeSync(fd),
  };
}

function startWorker(url: URL): RuntimeWorker {
  const worker = new threads.Worker(url);
  return {
    postMessage: (message) => worker.postMessage(message),
    onMessage: (listener) => worker.on("message", listener),
    onError: (listener) => worker.on("error", (e: Error) => listener(e.message)),
    terminate: () => void worker.terminate(),
  };
}

function parentPort(): ParentPort {
  const port = threads.parentPort;
  if (!port) throw new Error("parentPort: not inside a worker thread");
  let current: ((data: unknown) => void) | null = null;
  return {
    onMessage: (listener) => {
      if (current) port.off("message", current);
      current = listener;
      if (listener) port.on("message", listener);
    },
    postMessage: (message) => port.postMessage(message),
  };
}

const info = (st: fs.Stats): FileInfo => ({
  isFile: st.isFile(),
  isDirectory: st.isDirectory(),
  size: st.size,
});

/** The Node implementation of {@linkcode Runtime}. */
export const runtime: Runtime = {
  name: "node",
  pid: process.pid,
  env: (name) => process.env[name],
  readFile: async (path) => {
    const bytes = await fsp.readFile(path);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  },
  open,
  readTextFile: (path) => fsp.readFile(path, "utf8"),
  readTextFileSync: (path) => fs.readFileSync(path, "utf8"),
  writeFile: (path, data) => fsp.writeFile(path, data),
  writeTextFile: (path, text) => fsp.writeFile(path, text),
  mkdir: async (path, options) => void await fsp.mkdir(path, options),
  rename: (from, to) => fsp.rename(from, to),
  stat: async (path) => info(await fsp.stat(path)),
  statSync: (path) => info(fs.statSync(path)),
  readDirSync: (path) => fs.readdirSync(path, { withFileTypes: true }),
  isNotFound: (error) => (error as { code?: string } | null)?.code === "ENOENT",
  startWorker,
  parentPort,
  // Node has no FFI of its own: float32 products stay on the WebAssembly kernels.
  openNativeSgemm: () => undefined,
};
