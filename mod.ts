/**
 * r4ec: reasoning, reflection and refinement of LLM knowledge for recommendation (R4ec,
 * arXiv 2507.17249) as TypeScript plugins: datasets and the R4ec/KAR protocol in DuckDB, the R4
 * stages over any text generator, Hugging Face and transformers.js adapters, knowledge encoders, a
 * DuckDB store, CTR backbones with the hybrid-expert adaptor, a Hono router, and ONNX export of
 * the backbones.
 *
 * @example
 * ```ts
 * import { prepareDataset, profileActor, groundedReflector, r4, knowledgeTasks } from "./mod.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 40, items: 60 } });
 * const actor = profileActor({ dataset });
 * const loop = r4({ actor, reflector: groundedReflector({ actor }), rounds: 1 });
 * const result = await loop.run(knowledgeTasks(dataset)[0], {});
 * console.log(result.final.text);
 * ```
 *
 * @module
 */
export * from "./util/random.ts";
export * from "./datasets/mod.ts";
export * from "./plugins/mod.ts";
export * from "./adapters/llm/mod.ts";
export * from "./adapters/store/mod.ts";
export * from "./adapters/embed/mod.ts";
export * from "./backbone/mod.ts";
export * from "./adapters/http/mod.ts";
export * from "./adapters/onnx/mod.ts";
