/**
 * The OpenAPI 3.1 document of the router, derived from the route records (`routes/`): each
 * record's path, parameters, request schema, response schema and problem statuses become its
 * operation; schemas go through `z.toJSONSchema` (JSON Schema 2020-12, which OpenAPI 3.1 uses as
 * is). Nothing here names a route, so a route added to `apiRoutes` is documented by being added.
 *
 * @module
 */
import { z } from "zod";
import { ProblemSchema } from "./problem.ts";
import { RawIdTextSchema } from "./request_schemas.ts";
import { type ApiRoute, openApiPath, routeProblems } from "./route.ts";
import { apiRoutes, viewerDataRoutes } from "./routes/mod.ts";

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
  /** Where the router is mounted (e.g. `/r4ec`). @default "/" */
  serverUrl?: string;
  /** Whether routes under `/v1` and `/metrics` require a bearer token. @default false */
  bearer?: boolean;
  /** Version of the API the document states. @default "1" */
  version?: string;
  /** Whether the knowledge viewer's routes are served (the router's `ui` option). @default false */
  ui?: boolean;
}

/**
 * An OpenAPI document: the version, the paths, and the rest (`info`, `servers`, `components`).
 *
 * @example
 * ```ts
 * import type { OpenApiDocument } from "./openapi.ts";
 * const operations = (doc: OpenApiDocument) => Object.keys(doc.paths).length;
 * ```
 */
export interface OpenApiDocument {
  /** OpenAPI version (`3.1.0`). */
  openapi: string;
  /** Operations by OpenAPI path, then by method. */
  paths: Record<string, Record<string, unknown>>;
  /** `info`, `servers`, `components`. */
  [key: string]: unknown;
}

/**
 * The OpenAPI document of the router's routes.
 *
 * @example
 * ```ts
 * import { openApiDocument } from "./openapi.ts";
 * const doc = openApiDocument({ serverUrl: "/r4ec", bearer: true });
 * console.log(Object.keys(doc.paths));
 * ```
 */
export function openApiDocument(options: OpenApiOptions = {}): OpenApiDocument {
  const routes: ApiRoute[] = [
    ...Object.values(apiRoutes),
    ...(options.ui ? Object.values(viewerDataRoutes) : []),
  ];
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method]: operation(route, options.bearer ?? false) };
  }
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
      schemas: { Problem: jsonSchema(ProblemSchema, "output") },
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    },
    paths,
  };
}

/** The OpenAPI operation of one route record. */
function operation(route: ApiRoute, bearer: boolean): Record<string, unknown> {
  const responses: Record<string, unknown> = { 200: okResponse(route) };
  for (const [status, description] of Object.entries(routeProblems(route, { bearer }))) {
    responses[status] = {
      description,
      content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
    };
  }
  return {
    summary: route.summary,
    ...(route.params
      ? {
        parameters: Object.entries(route.params).map(([name, description]) => ({
          name,
          in: "path",
          required: true,
          description,
          schema: jsonSchema(RawIdTextSchema, "input"),
        })),
      }
      : {}),
    ...(route.body
      ? {
        requestBody: {
          required: route.body.required,
          content: { "application/json": { schema: jsonSchema(route.body.schema, "input") } },
        },
      }
      : {}),
    ...(route.secured ? { security: bearer ? [{ bearer: [] }] : [] } : {}),
    responses,
  };
}

/** The 200 response of a route: its JSON schema, or its media type. */
function okResponse(route: ApiRoute): Record<string, unknown> {
  const { ok } = route;
  const media = ok.schema
    ? { "application/json": { schema: jsonSchema(ok.schema, "output") } }
    : { [ok.contentType]: {} };
  return { description: ok.description, content: media };
}

/** `schema` as JSON Schema, without the `$schema` line (OpenAPI 3.1 states the dialect). */
function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" });
  return rest;
}
