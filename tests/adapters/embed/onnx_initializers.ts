/**
 * A minimal ONNX reader for tests: walks the protobuf wire format of a `.onnx` file to list graph
 * nodes and read float initializers, independently of ONNX Runtime and transformers.js, so tests can
 * compute expected embeddings by hand.
 *
 * @module
 */

/** One float initializer (weight tensor) of an ONNX graph. */
export interface OnnxFloatTensor {
  name: string;
  dims: number[];
  data: Float32Array;
}

/** One node of an ONNX graph. */
export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
}

/** What {@link readOnnxGraph} returns. */
export interface OnnxGraph {
  nodes: OnnxNode[];
  initializers: Map<string, OnnxFloatTensor>;
}

type Field = { field: number; wire: number; value: bigint | Uint8Array };

function* fields(bytes: Uint8Array): Generator<Field> {
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = bytes[pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < bytes.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { field, wire, value: varint() };
    else if (wire === 1) {
      yield { field, wire, value: bytes.subarray(pos, pos + 8) };
      pos += 8;
    } else if (wire === 2) {
      const length = Number(varint());
      yield { field, wire, value: bytes.subarray(pos, pos + length) };
      pos += length;
    } else if (wire === 5) {
      yield { field, wire, value: bytes.subarray(pos, pos + 4) };
      pos += 4;
    } else throw new Error(`onnx reader: unsupported wire type ${wire} at byte ${pos}`);
  }
}

const text = (value: bigint | Uint8Array) => new TextDecoder().decode(value as Uint8Array);

function readTensor(bytes: Uint8Array): OnnxFloatTensor | undefined {
  const dims: number[] = [];
  let name = "";
  let dataType = 0;
  let raw: Uint8Array | undefined;
  const floats: number[] = [];
  for (const f of fields(bytes)) {
    if (f.field === 1) {
      if (f.wire === 0) dims.push(Number(f.value));
      else {for (const d of fields(packedAsVarints(f.value as Uint8Array))) {
          dims.push(Number(d.value));
        }}
    } else if (f.field === 2) dataType = Number(f.value);
    else if (f.field === 8) name = text(f.value);
    else if (f.field === 9) raw = f.value as Uint8Array;
    else if (f.field === 4) {
      const b = f.value as Uint8Array;
      const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      if (f.wire === 5) floats.push(view.getFloat32(0, true));
      else for (let i = 0; i < b.byteLength; i += 4) floats.push(view.getFloat32(i, true));
    }
  }
  if (dataType !== 1) return undefined; // 1 = FLOAT
  let data: Float32Array;
  if (raw) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    data = new Float32Array(raw.byteLength / 4);
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true);
  } else data = Float32Array.from(floats);
  return { name, dims, data };
}

/** Re-encodes a packed varint payload as a sequence of field-1 varints so `fields` can read it. */
function packedAsVarints(payload: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < payload.length; i++) {
    if (i === 0 || (payload[i - 1] & 0x80) === 0) out.push(0x08);
    out.push(payload[i]);
  }
  return Uint8Array.from(out);
}

/**
 * Reads the nodes and float initializers of an ONNX model file (ModelProto field 7 = graph;
 * GraphProto 1 = node, 5 = initializer).
 *
 * @example
 * ```ts
 * import { readOnnxGraph } from "./onnx_initializers.ts";
 * const graph = await readOnnxGraph("../shared/models/glove-twitter-25d-avg/onnx/model.onnx");
 * graph.nodes.map((n) => n.opType);
 * ```
 */
export async function readOnnxGraph(file: string): Promise<OnnxGraph> {
  const bytes = await Deno.readFile(file);
  const nodes: OnnxNode[] = [];
  const initializers = new Map<string, OnnxFloatTensor>();
  for (const top of fields(bytes)) {
    if (top.field !== 7 || top.wire !== 2) continue;
    for (const g of fields(top.value as Uint8Array)) {
      if (g.field === 1 && g.wire === 2) {
        const node: OnnxNode = { opType: "", inputs: [], outputs: [] };
        for (const n of fields(g.value as Uint8Array)) {
          if (n.field === 1) node.inputs.push(text(n.value));
          else if (n.field === 2) node.outputs.push(text(n.value));
          else if (n.field === 4) node.opType = text(n.value);
        }
        nodes.push(node);
      } else if (g.field === 5 && g.wire === 2) {
        const tensor = readTensor(g.value as Uint8Array);
        if (tensor) initializers.set(tensor.name, tensor);
      }
    }
  }
  return { nodes, initializers };
}
