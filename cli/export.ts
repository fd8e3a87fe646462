/**
 * `deno task export --model DIR [--out FILE] [--no-check]`: writes the backbone of a serving
 * bundle as an ONNX model and, unless `--no-check`, runs it in onnxruntime-node against r4ec's
 * `predict` on seeded random inputs valid for the model.
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { exportBundleOnnx, ONNX_FILE } from "../adapters/onnx/export.ts";
import { ONNX_OPSET } from "../adapters/onnx/graph.ts";
import { onnxInputSpecs } from "../adapters/onnx/inputs.ts";
import { checkOnnxExport } from "../adapters/onnx/onnxruntime.ts";
import { sampleInputs } from "../adapters/onnx/sample_inputs.ts";
import { flagOptions, runCli } from "./run.ts";

/** Largest |Δp| between onnxruntime and predict that the check accepts. */
const TOLERANCE = 1e-5;

const HELP = `deno task export --model DIR [options]

Writes the backbone of a serving bundle (DIR/model.safetensors, from deno task eval or
saveServingBundle) as an ONNX model (opset ${ONNX_OPSET}, dynamic batch axis), then checks it: the file
runs in onnxruntime-node on seeded random inputs and its probabilities must match r4ec's predict
to ${TOLERANCE}.

  --model DIR     serving bundle folder (required)
  --out FILE      where to write the model (default DIR/${ONNX_FILE})
  --samples N     samples of the check (default 512)
  --no-check      skip the onnxruntime check
  -h, --help      this text
`;

const Flags = z.object({
  model: z.string().min(1, "required"),
  out: z.string().optional(),
  samples: z.coerce.number().int().min(1).max(1_000_000).default(512),
  "no-check": z.boolean().default(false),
});

await runCli(HELP, async (args) => {
  const { values } = parseArgs({ args, options: flagOptions(Flags), strict: true });
  const flags = Flags.parse({ ...values, model: values.model ?? "" });
  const out = flags.out ?? join(flags.model, ONNX_FILE);
  const { path, model, bytes } = await exportBundleOnnx(flags.model, out);
  console.log(
    `wrote ${path} (${(bytes / 2 ** 20).toFixed(2)} MiB): ${model.name}` +
      (model.config.knowledge ? ` + ${model.config.knowledge.adaptor} knowledge adaptor` : "") +
      `, opset ${ONNX_OPSET}`,
  );
  for (const s of onnxInputSpecs(model.config)) {
    console.log(`  input ${s.name} ${s.type} [${s.dims.join(", ")}]: ${s.doc}`);
  }
  console.log("  output probability float32 [batch], logit float32 [batch]");
  if (flags["no-check"]) return;
  const inputs = sampleInputs(model.config, { size: flags.samples, seed: 1 });
  const { maxAbsDiff } = await checkOnnxExport(model, await Deno.readFile(path), inputs);
  if (!(maxAbsDiff <= TOLERANCE)) {
    throw new Error(
      `${path}: onnxruntime and predict differ by up to ${maxAbsDiff} on ${flags.samples} ` +
        `samples (tolerance ${TOLERANCE})`,
    );
  }
  console.log(
    `checked with onnxruntime-node: max |Δ probability| ${maxAbsDiff.toExponential(2)} vs ` +
      `predict on ${flags.samples} random samples`,
  );
});
