/**
 * The `profile` actor: deterministic statistical knowledge (no LLM), in words an encoder can read.
 *
 * @example
 * ```ts
 * import { profileActor } from "./mod.ts";
 * import { prepareDataset } from "../../datasets/prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 40, items: 60 } });
 * const actor = profileActor({ dataset });
 * console.assert(actor.kind === "deterministic");
 * ```
 *
 * @module
 */
export {
  type ProfileActor,
  profileActor,
  type ProfileActorOptions,
  type ProfileSource,
} from "./actor.ts";
