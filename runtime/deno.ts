/**
 * The runtime layer on Deno: thin wrappers of `Deno.*` and web workers.
 *
 * @module
 */
import type {
  DirEntry,
  FileHandle,
  FileInfo,
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
};
