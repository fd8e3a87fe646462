/**
 * The runtime layer: the one place the library reaches the host's files, environment and threads
 * (see `types.ts`). This module selects the Deno implementation; the npm build
 * (tools/build_npm.ts) rewrites it to select `node.ts`.
 *
 * @module
 */
export { runtime } from "./deno.ts";
export type * from "./types.ts";
