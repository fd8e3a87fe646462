import assert from "node:assert/strict";
import { z } from "zod";
import { openApiDocument } from "../../../adapters/http/openapi.ts";
import { type ApiRoute, openApiPath, routeProblems } from "../../../adapters/http/route.ts";
import { apiRoutes } from "../../../adapters/http/routes/mod.ts";

const routes: ApiRoute[] = Object.values(apiRoutes);
type Operation = {
  parameters?: { name: string }[];
  requestBody?: { required: boolean; content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  security?: unknown[];
};

Deno.test("the OpenAPI document is the route records, and nothing else", () => {
  for (const bearer of [false, true]) {
    const doc = openApiDocument({ bearer });
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method} ${path}`)
    );
    assert.deepEqual(
      operations.sort(),
      routes.map((r) => `${r.method} ${openApiPath(r.path)}`).sort(),
    );
    for (const route of routes) {
      const op = doc.paths[openApiPath(route.path)][route.method] as Operation;
      const statuses = Object.keys(op.responses).map(Number).sort((a, b) => a - b);
      const expected = [200, ...Object.keys(routeProblems(route, { bearer })).map(Number)];
      assert.deepEqual(statuses, expected.sort((a, b) => a - b), route.path);
      if (route.ok.schema) {
        const { $schema: _, ...schema } = z.toJSONSchema(route.ok.schema, {
          io: "output",
          unrepresentable: "any",
        });
        assert.deepEqual(op.responses[200].content?.["application/json"].schema, schema);
      } else assert.ok(op.responses[200].content?.[route.ok.contentType], route.path);
      assert.equal(op.requestBody?.required, route.body?.required, route.path);
      assert.deepEqual(
        (op.parameters ?? []).map((p) => p.name),
        [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]),
        route.path,
      );
      assert.equal(op.security !== undefined, route.secured, route.path);
      if (route.secured) assert.equal(op.security!.length, bearer ? 1 : 0);
    }
  }
});

Deno.test("a route's problem statuses follow from what its record says of itself", () => {
  const route: ApiRoute = {
    method: "get",
    path: "/v1/things/:id",
    summary: "A thing",
    secured: true,
    deadline: false,
    params: { id: "Thing id" },
    ok: { description: "The thing", contentType: "text/plain" },
    problems: { 404: "Unknown thing" },
  };
  // Its path id is checked (422) as a body's ids are.
  assert.deepEqual(
    Object.keys(routeProblems(route, { bearer: true })),
    ["401", "404", "422", "500"],
  );
  assert.deepEqual(Object.keys(routeProblems(route, { bearer: false })), ["404", "422", "500"]);
  const withBody = { ...route, body: { schema: z.object({}), required: true }, deadline: true };
  assert.deepEqual(
    Object.keys(routeProblems(withBody, { bearer: false })),
    ["400", "404", "413", "415", "422", "500", "504"],
  );
});
