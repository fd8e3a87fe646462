/**
 * The OpenAPI 3.1 document of the router, generated from the zod schemas the routes validate with
 * (`z.toJSONSchema`, JSON Schema 2020-12, which OpenAPI 3.1 uses as is).
 *
 * @module
 */
import { z } from "zod";
import { ProblemSchema } from "./problem.ts";
import {
  HealthResponseSchema,
  ItemKnowledgeRequestSchema,
  KnowledgeResponseSchema,
  KnowledgeRunResponseSchema,
  RankRequestSchema,
  RankResponseSchema,
  ScoreRequestSchema,
  ScoreResponseSchema,
  UserKnowledgeRequestSchema,
} from "./schemas.ts";

const json = (schema: z.ZodType, io: "input" | "output") => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" });
  return rest;
};

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

const ok = (schema: z.ZodType, description: string) => ({
  description,
  content: { "application/json": { schema: json(schema, "output") } },
});

const body = (schema: z.ZodType, required: boolean) => ({
  required,
  content: { "application/json": { schema: json(schema, "input") } },
});

const idParam = (what: string) => ({
  name: "id",
  in: "path",
  required: true,
  description: `Raw ${what} id`,
  schema: { type: "string" },
});

/**
 * Options of {@link openApiDocument}.
 *
 * @example
 * ```ts
 * import type { OpenApiOptions } from "./openapi.ts";
 * const options: OpenApiOptions = { serverUrl: "/r4ec", bearer: true, version: "0.1.0" };
 * ```
 */
export interface OpenApiOptions {
  /** Where the router is mounted (e.g. `/r4ec`); default `/`. */
  serverUrl?: string;
  /** Whether routes under `/v1` and `/metrics` require a bearer token. */
  bearer?: boolean;
  version?: string;
}

/**
 * The OpenAPI document.
 *
 * @example
 * ```ts
 * import { openApiDocument } from "./openapi.ts";
 * const doc = openApiDocument({ serverUrl: "/r4ec", bearer: true });
 * console.log(Object.keys(doc.paths));
 * ```
 */
export function openApiDocument(options: OpenApiOptions = {}): {
  openapi: string;
  paths: Record<string, unknown>;
  [key: string]: unknown;
} {
  const security = options.bearer ? [{ bearer: [] }] : [];
  const common = {
    400: problem("Malformed JSON"),
    401: problem("Missing or wrong bearer token"),
    413: problem("Body larger than the limit"),
    422: problem("The request does not match the schema"),
    500: problem("Internal error (no details are disclosed)"),
    504: problem("Deadline passed"),
  };
  const secured = { security, responses: common };
  return {
    openapi: "3.1.0",
    info: {
      title: "r4ec serving API",
      version: options.version ?? "1",
      description: "Click probabilities from a trained backbone with stored R4 knowledge, " +
        "knowledge inspection, and on-demand R4 knowledge generation.",
    },
    servers: [{ url: options.serverUrl ?? "/" }],
    components: {
      schemas: { Problem: json(ProblemSchema, "output") },
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    },
    paths: {
      "/healthz": {
        get: {
          summary: "Liveness and what is loaded",
          responses: { 200: ok(HealthResponseSchema, "Healthy") },
        },
      },
      "/metrics": {
        get: {
          summary: "Prometheus metrics",
          security,
          responses: {
            200: { description: "Text exposition format", content: { "text/plain": {} } },
            401: common[401],
          },
        },
      },
      "/openapi.json": {
        get: { summary: "This document", responses: { 200: { description: "OpenAPI 3.1" } } },
      },
      "/v1/users/{id}/knowledge": {
        get: {
          summary: "A user's stored knowledge with its judgement trail and vector metadata",
          parameters: [idParam("user")],
          ...secured,
          responses: {
            ...common,
            200: ok(KnowledgeResponseSchema, "Stored knowledge"),
            404: problem("Unknown user"),
          },
        },
      },
      "/v1/items/{id}/knowledge": {
        get: {
          summary: "An item's stored knowledge with its judgement trail and vector metadata",
          parameters: [idParam("item")],
          ...secured,
          responses: {
            ...common,
            200: ok(KnowledgeResponseSchema, "Stored knowledge"),
            404: problem("Unknown item"),
          },
        },
      },
      "/v1/score": {
        post: {
          summary: "Click probabilities of candidate items for a user",
          requestBody: body(ScoreRequestSchema, true),
          ...secured,
          responses: {
            ...common,
            200: ok(ScoreResponseSchema, "One probability per candidate, in request order"),
            404: problem("Unknown user or item"),
          },
        },
      },
      "/v1/rank": {
        post: {
          summary: "The top-k candidates by click probability",
          requestBody: body(RankRequestSchema, true),
          ...secured,
          responses: {
            ...common,
            200: ok(RankResponseSchema, "Candidates, best first"),
            404: problem("Unknown user or item"),
          },
        },
      },
      "/v1/knowledge/users/{id}": {
        post: {
          summary: "Run the R4 stages for a user now and store the result (latest knowledge)",
          parameters: [idParam("user")],
          requestBody: body(UserKnowledgeRequestSchema, false),
          ...secured,
          responses: {
            ...common,
            200: ok(KnowledgeRunResponseSchema, "The R4 trace"),
            404: problem("Unknown user and no history given"),
            409: problem("Knowledge for this user is being generated already"),
            502: problem("The actor's answer could not be parsed; nothing was stored"),
            503: problem("No actor configured"),
          },
        },
      },
      "/v1/knowledge/items/{id}": {
        post: {
          summary: "Run the R4 stages for an item now and store the result",
          parameters: [idParam("item")],
          requestBody: body(ItemKnowledgeRequestSchema, false),
          ...secured,
          responses: {
            ...common,
            200: ok(KnowledgeRunResponseSchema, "The R4 trace"),
            404: problem("Unknown item and no title given"),
            409: problem("Knowledge for this item is being generated already"),
            502: problem("The actor's answer could not be parsed; nothing was stored"),
            503: problem("No actor configured"),
          },
        },
      },
    },
  };
}
