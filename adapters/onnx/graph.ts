/**
 * A small builder of ONNX graphs over `onnx-proto` (the ONNX protobuf definitions compiled with
 * protobufjs): named inputs and outputs, float and int64 initializers, nodes with attributes, and
 * the serialised `ModelProto`. Protobuf encoding is the library's; this file only fills messages.
 *
 * @module
 */
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

/**
 * Opset of the default ONNX domain every exported graph uses: 13 (ONNX 1.8, IR version 7), read
 * by every maintained runtime (onnxruntime ≥ 1.6, and ONNX-to-TensorRT/OpenVINO converters).
 *
 * @example
 * ```ts
 * import { ONNX_OPSET } from "./graph.ts";
 * console.log(`opset ${ONNX_OPSET}`);
 * ```
 */
export const ONNX_OPSET = 13;

/**
 * IR version of the exported files (7: the one that introduced opset 13).
 *
 * @example
 * ```ts
 * import { ONNX_IR_VERSION } from "./graph.ts";
 * console.log(ONNX_IR_VERSION); // 7
 * ```
 */
export const ONNX_IR_VERSION = 7;

/**
 * Element types the exporter writes.
 *
 * @example
 * ```ts
 * import type { OnnxElementType } from "./graph.ts";
 * const ids: OnnxElementType = "int64";
 * ```
 */
export type OnnxElementType = "float32" | "int64";

/**
 * An attribute value: an int, a float, a list of ints, or a string.
 *
 * @example
 * ```ts
 * import type { OnnxAttribute } from "./graph.ts";
 * const perm: OnnxAttribute = { ints: [0, 2, 1, 3] };
 * ```
 */
export type OnnxAttribute = { int: number } | { float: number } | { ints: number[] } | {
  string: string;
};

const DATA_TYPE: Record<OnnxElementType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
};

function attribute(name: string, value: OnnxAttribute): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ("int" in value) return { name, type: T.INT, i: value.int };
  if ("float" in value) return { name, type: T.FLOAT, f: value.float };
  if ("ints" in value) return { name, type: T.INTS, ints: value.ints };
  return { name, type: T.STRING, s: new TextEncoder().encode(value.string) };
}

function valueInfo(
  name: string,
  type: OnnxElementType,
  dims: (number | string)[],
  doc: string,
): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    docString: doc,
    type: {
      tensorType: {
        elemType: DATA_TYPE[type],
        shape: {
          dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

/**
 * Collects one graph. Every method returns the name of the value it adds, so graph code reads
 * as expressions: `g.node("Relu", [g.node("Add", [x, b])])`.
 *
 * @example
 * ```ts
 * import { OnnxGraph } from "./graph.ts";
 * const g = new OnnxGraph("relu");
 * const x = g.input("x", "float32", ["batch", 2], "two features");
 * g.output(g.node("Relu", [x]), "y", "float32", ["batch", 2], "the positive part");
 * const bytes = g.encode({ producerVersion: "0.1.0" });
 * ```
 */
export class OnnxGraph {
  /** Graph name, stored in the model. */
  readonly name: string;
  readonly #nodes: onnxProto.onnx.INodeProto[] = [];
  readonly #initializers: onnxProto.onnx.ITensorProto[] = [];
  readonly #inputs: onnxProto.onnx.IValueInfoProto[] = [];
  readonly #outputs: onnxProto.onnx.IValueInfoProto[] = [];
  readonly #used = new Set<string>();
  #counter = 0;

  /** Starts an empty graph called `name`. */
  constructor(name: string) {
    this.name = name;
  }

  /** A fresh value name starting with `hint`. */
  #fresh(hint: string): string {
    let name = hint;
    while (this.#used.has(name)) name = `${hint}_${++this.#counter}`;
    this.#used.add(name);
    return name;
  }

  /** Declares a graph input (`dims`: numbers are fixed, strings are named dynamic axes). */
  input(name: string, type: OnnxElementType, dims: (number | string)[], doc: string): string {
    if (this.#used.has(name)) throw new Error(`OnnxGraph: duplicate name "${name}"`);
    this.#used.add(name);
    this.#inputs.push(valueInfo(name, type, dims, doc));
    return name;
  }

  /** Declares `value` a graph output under `name` (through an Identity when the names differ). */
  output(
    value: string,
    name: string,
    type: OnnxElementType,
    dims: (number | string)[],
    doc: string,
  ): void {
    if (value !== name) {
      if (this.#used.has(name)) throw new Error(`OnnxGraph: duplicate name "${name}"`);
      this.#used.add(name);
      this.#nodes.push({ opType: "Identity", input: [value], output: [name], name });
    }
    this.#outputs.push(valueInfo(name, type, dims, doc));
  }

  /** A float32 initializer of shape `dims`, stored little-endian in `raw_data`. */
  floats(hint: string, values: ArrayLike<number>, dims: number[]): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (values.length !== count) {
      throw new RangeError(`OnnxGraph: "${hint}" has ${values.length} values for [${dims}]`);
    }
    const raw = new Uint8Array(count * 4), view = new DataView(raw.buffer);
    for (let i = 0; i < count; i++) view.setFloat32(4 * i, values[i], true);
    return this.#initializer(hint, "float32", dims, raw);
  }

  /** A float32 scalar initializer. */
  scalar(hint: string, value: number): string {
    return this.floats(hint, [value], []);
  }

  /** An int64 initializer (shapes and axes); a 1-D tensor unless `dims` says otherwise. */
  int64s(hint: string, values: number[], dims: number[] = [values.length]): string {
    const raw = new Uint8Array(values.length * 8), view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true));
    return this.#initializer(hint, "int64", dims, raw);
  }

  #initializer(hint: string, type: OnnxElementType, dims: number[], raw: Uint8Array): string {
    const name = this.#fresh(hint);
    this.#initializers.push({ name, dims, dataType: DATA_TYPE[type], rawData: raw });
    return name;
  }

  /** Adds a node with one output and returns the output's name. */
  node(
    op: string,
    inputs: string[],
    attributes: Record<string, OnnxAttribute> = {},
    hint: string = op.toLowerCase(),
  ): string {
    const out = this.#fresh(hint);
    this.#nodes.push({
      opType: op,
      input: inputs,
      output: [out],
      name: out,
      attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  /**
   * Serialises the model: IR version {@link ONNX_IR_VERSION}, opset {@link ONNX_OPSET}, producer
   * `r4ec`, and `metadata` as the model's metadata properties.
   */
  encode(options: {
    producerVersion: string;
    docString?: string;
    metadata?: Record<string, string>;
  }): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: ONNX_IR_VERSION,
      opsetImport: [{ domain: "", version: ONNX_OPSET }],
      producerName: "r4ec",
      producerVersion: options.producerVersion,
      docString: options.docString ?? "",
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.name,
        node: this.#nodes,
        initializer: this.#initializers,
        input: this.#inputs,
        output: this.#outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

/**
 * What an exported file declares, as plain data: versions, inputs and outputs (element type,
 * dimensions: a number, or the name of a dynamic axis) and metadata.
 *
 * @example
 * ```ts
 * import type { OnnxModelSummary } from "./graph.ts";
 * const names = (m: OnnxModelSummary) => m.inputs.map((i) => i.name);
 * ```
 */
export interface OnnxModelSummary {
  /** ONNX IR version of the file. */
  irVersion: number;
  /** Opset of each imported domain (`""` = the default ONNX domain). */
  opsets: Record<string, number>;
  /** Producer name and version, as `name version`. */
  producer: string;
  /** Graph inputs, in order. */
  inputs: OnnxValueSummary[];
  /** Graph outputs, in order. */
  outputs: OnnxValueSummary[];
  /** Metadata properties, by key. */
  metadata: Record<string, string>;
  /** Number of graph nodes. */
  nodes: number;
  /** Number of initializers (constant tensors: weights and shapes). */
  initializers: number;
}

/**
 * One declared input or output.
 *
 * @example
 * ```ts
 * import type { OnnxValueSummary } from "./graph.ts";
 * const v: OnnxValueSummary = { name: "item", type: "int64", dims: ["batch"], doc: "target item" };
 * ```
 */
export interface OnnxValueSummary {
  /** Value name. */
  name: string;
  /** Element type; `onnx type N` for a type this module does not name. */
  type: OnnxElementType | `onnx type ${number}`;
  /** Dimensions: a size, or the name of a dynamic axis. */
  dims: (number | string)[];
  /** Doc string (empty when none). */
  doc: string;
}

function summary(v: onnxProto.onnx.IValueInfoProto): OnnxValueSummary {
  const t = v.type?.tensorType;
  const elem = t?.elemType ?? 0;
  const type = (Object.keys(DATA_TYPE) as OnnxElementType[]).find((k) => DATA_TYPE[k] === elem);
  return {
    name: v.name ?? "",
    type: type ?? `onnx type ${elem}`,
    dims: (t?.shape?.dim ?? []).map((d) => d.dimParam ? d.dimParam : Number(d.dimValue ?? 0)),
    doc: v.docString ?? "",
  };
}

/**
 * Reads back what a serialised model declares (for checks and tools that inspect an export).
 *
 * @example
 * ```ts
 * import { inspectOnnxModel, OnnxGraph } from "./graph.ts";
 * const g = new OnnxGraph("relu");
 * g.output(g.node("Relu", [g.input("x", "float32", ["batch", 2], "two features")]), "y", "float32", ["batch", 2], "");
 * const m = inspectOnnxModel(g.encode({ producerVersion: "0.1.0" }));
 * console.log(m.opsets[""], m.inputs.map((i) => `${i.name} [${i.dims}]`)); // 13 [ "x [batch,2]" ]
 * console.assert(m.producer === "r4ec 0.1.0" && m.outputs[0].name === "y");
 * ```
 */
export function inspectOnnxModel(bytes: Uint8Array): OnnxModelSummary {
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph;
  return {
    irVersion: Number(m.irVersion),
    opsets: Object.fromEntries(m.opsetImport.map((o) => [o.domain ?? "", Number(o.version)])),
    producer: `${m.producerName} ${m.producerVersion}`.trim(),
    inputs: (g?.input ?? []).map(summary),
    outputs: (g?.output ?? []).map(summary),
    metadata: Object.fromEntries(m.metadataProps.map((p) => [p.key ?? "", p.value ?? ""])),
    nodes: g?.node?.length ?? 0,
    initializers: g?.initializer?.length ?? 0,
  };
}
