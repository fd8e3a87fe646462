import assert from "node:assert/strict";
import { ParamStore } from "../../backbone/param.ts";
import { FieldGraph } from "../../backbone/layers/field_graph.ts";
import { GraphMessage } from "../../backbone/layers/graph_message.ts";
import { AttentionalReadout } from "../../backbone/layers/attentional_readout.ts";
import { gradCheck, randomVector, weightedSum } from "./gradcheck.ts";

// FiGNN's layers. Tolerance: gradcheck.ts's, |analytic − numeric| ≤ 1e-7 + 1e-4·max(|analytic|,
// |numeric|) with central differences h = 1e-5 in float64.

Deno.test("FieldGraph: rows are a softmax over the other fields of LeakyReLU(wᵀ[e_j; e_k])", () => {
  const store = new ParamStore({ seed: 4, dtype: "float64" });
  const F = 4, d = 3, stride = F * d + 2;
  const graph = new FieldGraph(store, "graph", { fields: F, dim: d, stride });
  const x = randomVector(stride, 6);
  const a = graph.forward(x, 1), w = graph.weight.value;
  const leaky = (t: number) => (t > 0 ? t : 0.01 * t);
  for (let j = 0; j < F; j++) {
    const alpha = Array.from({ length: F }, (_, k) => {
      let t = 0;
      for (let i = 0; i < d; i++) t += w[i] * x[j * d + i] + w[d + i] * x[k * d + i];
      return leaky(t);
    });
    const others = alpha.filter((_, k) => k !== j).map(Math.exp);
    const sum = others.reduce((s, v) => s + v, 0);
    assert.equal(a[j * F + j], 0);
    for (let k = 0; k < F; k++) {
      if (k === j) continue;
      assert.ok(Math.abs(a[j * F + k] - Math.exp(alpha[k]) / sum) < 1e-12, `A[${j}, ${k}]`);
    }
  }
  assert.throws(
    () => new FieldGraph(store, "one", { fields: 1, dim: d, stride: d }),
    /needs 2 fields or more/,
  );
});

Deno.test("FieldGraph: gradients of the attention weight and of the input", () => {
  const store = new ParamStore({ seed: 5, dtype: "float64" });
  const F = 5, d = 3, stride = F * d + 2, n = 4;
  const graph = new FieldGraph(store, "graph", { fields: F, dim: d, stride });
  const x = randomVector(n * stride, 3);
  const r = randomVector(n * F * F, 11);
  let dx = new Float64Array(0);
  const probed = gradCheck({
    store,
    label: "field graph",
    input: x,
    analytic: () => {
      graph.forward(x, n);
      dx = new Float64Array(n * stride);
      graph.backward(r, n, dx);
      return dx;
    },
    loss: () => weightedSum(graph.forward(x, n), r),
  });
  assert.equal(probed, 2 * d + 24);
  for (let b = 0; b < n; b++) assert.equal(dx[b * stride + F * d], 0, "padding has no gradient");
});

Deno.test("GraphMessage: m_j = W_in[j]·Σ_k A_jk·W_out[k]·h_k + b", () => {
  const store = new ParamStore({ seed: 2, dtype: "float64" });
  const F = 3, d = 2, n = 2;
  const layer = new GraphMessage(store, "gnn", { fields: F, dim: d });
  layer.bias.value.set([0.3, -0.2]);
  const adjacency = randomVector(n * F * F, 1), h = randomVector(F * n * d, 2);
  const m = layer.forward(adjacency, h, n, 0);
  const wIn = layer.wIn.value, wOut = layer.wOut.value;
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < F; j++) {
      const gathered = [0, 0];
      for (let k = 0; k < F; k++) {
        for (let o = 0; o < d; o++) {
          let sent = 0;
          for (let i = 0; i < d; i++) sent += wOut[k * d * d + o * d + i] * h[(k * n + b) * d + i];
          gathered[o] += adjacency[(b * F + j) * F + k] * sent;
        }
      }
      for (let o = 0; o < d; o++) {
        let want = layer.bias.value[o];
        for (let i = 0; i < d; i++) want += wIn[j * d * d + o * d + i] * gathered[i];
        assert.ok(Math.abs(m[(j * n + b) * d + o] - want) < 1e-12, `m[${j}, ${b}, ${o}]`);
      }
    }
  }
});

Deno.test("GraphMessage: xavier-normal blocks with torch's 3-D fans", () => {
  const store = new ParamStore({ seed: 9 });
  const F = 7, d = 32;
  const layer = new GraphMessage(store, "gnn", { fields: F, dim: d });
  for (const p of [layer.wIn, layer.wOut]) {
    let sq = 0;
    for (let i = 0; i < p.size; i++) sq += p.value[i] ** 2;
    const std = Math.sqrt(sq / p.size), want = Math.sqrt(2 / (d * d + F * d));
    assert.ok(Math.abs(std / want - 1) < 0.03, `${p.name}: std ${std} vs ${want}`);
  }
  assert.deepEqual(layer.wIn.shape, [F, d, d]);
});

Deno.test("GraphMessage: gradients of W_in, W_out, b, the states and the adjacency", () => {
  const store = new ParamStore({ seed: 7, dtype: "float64" });
  const F = 4, d = 3, n = 5;
  const layer = new GraphMessage(store, "gnn", { fields: F, dim: d });
  layer.bias.value.set([0.1, -0.3, 0.2]);
  const adjacency = randomVector(n * F * F, 4), h = randomVector(F * n * d, 5);
  const r = randomVector(F * n * d, 6);
  const loss = () => weightedSum(layer.forward(adjacency, h, n, 0), r);
  const run = () => {
    layer.forward(adjacency, h, n, 0);
    const dh = new Float64Array(F * n * d), dA = new Float64Array(n * F * F);
    layer.backward(r, n, 0, dh, dA);
    return { dh, dA };
  };
  const probedH = gradCheck({
    store,
    label: "message/h",
    input: h,
    analytic: () => run().dh,
    loss,
  });
  const probedA = gradCheck({
    store,
    label: "message/adjacency",
    input: adjacency,
    analytic: () => run().dA,
    loss,
  });
  assert.ok(probedH > 3 && probedA > 3, `${probedH}, ${probedA}`);
});

Deno.test("GraphMessage: one layer over two steps accumulates both steps' gradients", () => {
  const store = new ParamStore({ seed: 8, dtype: "float64" });
  const F = 3, d = 2, n = 3, size = F * n * d;
  const layer = new GraphMessage(store, "gnn", { fields: F, dim: d });
  const adjacency = randomVector(n * F * F, 1), h = randomVector(size, 2);
  const r = randomVector(size, 3);
  const twoSteps = () => layer.forward(adjacency, layer.forward(adjacency, h, n, 0), n, 1);
  const probed = gradCheck({
    store,
    label: "message/two steps",
    input: h,
    analytic: () => {
      twoSteps();
      const dm0 = new Float64Array(size), dh = new Float64Array(size);
      const dA = new Float64Array(n * F * F);
      layer.backward(r, n, 1, dm0, dA);
      layer.backward(dm0, n, 0, dh, dA);
      return dh;
    },
    loss: () => weightedSum(twoSteps(), r),
  });
  assert.ok(probed > 3);
});

Deno.test("AttentionalReadout: the logit and the gradients of both weights and of the states", () => {
  const store = new ParamStore({ seed: 3, dtype: "float64" });
  const F = 4, d = 3, n = 5;
  const readout = new AttentionalReadout(store, "readout", { fields: F, dim: d });
  const h = randomVector(n * F * d, 7), r = randomVector(n, 8);
  const logits = readout.forward(h, n);
  const w = readout.score.weight.value, W = readout.gate.weight.value;
  for (let b = 0; b < n; b++) {
    let want = 0;
    for (let j = 0; j < F; j++) {
      let g = 0, s = 0;
      for (let i = 0; i < F * d; i++) g += W[j * F * d + i] * h[b * F * d + i];
      for (let i = 0; i < d; i++) s += w[i] * h[(b * F + j) * d + i];
      want += s / (1 + Math.exp(-g));
    }
    assert.ok(Math.abs(logits[b] - want) < 1e-12, `logit ${b}`);
  }
  const probed = gradCheck({
    store,
    label: "readout",
    input: h,
    analytic: () => {
      readout.forward(h, n);
      return readout.backward(r, n);
    },
    loss: () => weightedSum(readout.forward(h, n), r),
  });
  assert.ok(probed > 2 * 3);
});
