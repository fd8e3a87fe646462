/**
 * Request and response bodies of the HTTP API (`request_schemas.ts`, `response_schemas.ts`): each
 * a TypeScript interface and the zod schema requests are validated with, the OpenAPI document is
 * generated from, and the tests check answers against.
 *
 * @module
 */
export * from "./request_schemas.ts";
export * from "./response_schemas.ts";
