#!/usr/bin/env node
// Runs an unwrapped nsfwjs model (see unwrap_model.cjs) with TensorFlow.js on its pure-JS CPU backend
// and writes the reference outputs that the C++ converter is checked against.
//
//   node reference.cjs --model OUT_DIR --input RAW --count N --size S --out OUT.json
//                      [--features LAYER] [--batch B]
//
// RAW holds N images as uint8 [N,S,S,3] RGB, already resized (no resizing happens here). Each batch
// is preprocessed exactly as nsfwjs does: int tensor -> toFloat() -> div(255), no mean, no resize.
// OUT.json: {"probabilities": [[5 floats] x N], "features": [[...] x N] (only with --features: the
// outputs of that layer, flattened per image), "backend", "tfjs_version", and some provenance
// ("model", "classes", "count", "size", "feature_layer", "load_ms", "predict_ms", "ms_per_image")}.
// Numbers are the float32 results printed as doubles, so they round-trip exactly.
// Needs @tensorflow/tfjs: `npm ci` here, or the cache that scripts/install_backbones.sh fills:
//   NODE_PATH="${TRAINBOX_CACHE_DIR:-$HOME/.cache/trainbox}/npm/node_modules" node reference.cjs ...
// The pure-JS cpu backend is single-threaded: about 2 s/image for mobilenet_v2 at 224 and 25 s/image
// for inception_v3 at 299 on a 2-core Debian VM. tfjs prints a "Hi, looks like you are running
// TensorFlow.js in Node.js" banner on stderr; it is harmless.
"use strict";

const fs = require("fs");
const path = require("path");

function die(message) {
  process.stderr.write(`reference: ${message}\n`);
  process.exit(1);
}

const USAGE =
  "usage: node reference.cjs --model OUT_DIR --input RAW --count N --size S --out OUT.json " +
  "[--features LAYER] [--batch B]\n";

function parseArgs(argv) {
  const known = new Set(["--model", "--input", "--count", "--size", "--out", "--features", "--batch"]);
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    let key = argv[i];
    let value;
    if (key === "--help" || key === "-h") {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    const eq = key.indexOf("=");
    if (key.startsWith("--") && eq > 0) {
      value = key.slice(eq + 1);
      key = key.slice(0, eq);
    } else {
      value = argv[++i];
    }
    if (!known.has(key)) die(`unknown argument ${key}\n${USAGE}`);
    if (value === undefined) die(`${key} needs a value`);
    args[key.slice(2)] = value;
  }
  for (const required of ["model", "input", "count", "size", "out"]) {
    if (args[required] === undefined) die(`--${required} is required\n${USAGE}`);
  }
  const positiveInt = (name, text) => {
    if (!/^[1-9][0-9]*$/.test(text)) die(`--${name} must be a positive integer, got ${JSON.stringify(text)}`);
    return Number(text);
  };
  args.count = positiveInt("count", args.count);
  args.size = positiveInt("size", args.size);
  args.batch = positiveInt("batch", args.batch === undefined ? "8" : args.batch);
  return args;
}

// A tf.io handler that reads model.json and its shards from a local directory.
function localHandler(dir) {
  return {
    load: async () => {
      const modelJson = JSON.parse(fs.readFileSync(path.join(dir, "model.json"), "utf8"));
      const weightSpecs = [];
      const buffers = [];
      for (const group of modelJson.weightsManifest) {
        for (const shard of group.paths) buffers.push(fs.readFileSync(path.join(dir, shard)));
        weightSpecs.push(...group.weights);
      }
      const all = Buffer.concat(buffers);
      const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
      const artifacts = {
        modelTopology: modelJson.modelTopology,
        format: modelJson.format,
        generatedBy: modelJson.generatedBy,
        convertedBy: modelJson.convertedBy,
        weightSpecs,
        weightData,
      };
      if (modelJson.trainingConfig) artifacts.trainingConfig = modelJson.trainingConfig;
      return artifacts;
    },
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const modelDir = path.resolve(args.model);

  const raw = fs.readFileSync(args.input);
  const perImage = args.size * args.size * 3;
  if (raw.length !== args.count * perImage) {
    die(`${args.input} has ${raw.length} bytes; ${args.count} images of ${args.size}x${args.size}x3 need ${args.count * perImage}`);
  }

  let classes = null;
  try {
    classes = JSON.parse(fs.readFileSync(path.join(modelDir, "classes.json"), "utf8"));
  } catch (e) {
    // optional
  }

  const tf = require("@tensorflow/tfjs");
  if (!(await tf.setBackend("cpu"))) die("cannot select the TensorFlow.js cpu backend");
  await tf.ready();
  if (tf.getBackend() !== "cpu") die(`backend is ${tf.getBackend()}, expected cpu`);

  const loadStart = process.hrtime.bigint();
  const model = await tf.loadLayersModel(localHandler(modelDir));
  const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;

  const inputShape = model.inputs[0].shape; // [null, H, W, 3]
  if (inputShape[1] !== args.size || inputShape[2] !== args.size || inputShape[3] !== 3) {
    die(`model input is ${JSON.stringify(inputShape)}, --size ${args.size} does not fit`);
  }

  let runner = model;
  if (args.features !== undefined) {
    const layer = model.layers.find((l) => l.name === args.features);
    if (!layer) die(`no layer named ${args.features}; layers: ${model.layers.map((l) => l.name).join(", ")}`);
    runner = tf.model({ inputs: model.inputs, outputs: [model.outputs[0], layer.output] });
  }

  const probabilities = [];
  const features = [];
  let predictNs = 0n;
  for (let start = 0; start < args.count; start += args.batch) {
    const n = Math.min(args.batch, args.count - start);
    const bytes = raw.subarray(start * perImage, (start + n) * perImage);
    const t0 = process.hrtime.bigint();
    const outputs = tf.tidy(() => {
      // nsfwjs: tf.browser.fromPixels gives an int32 tensor; then .toFloat().div(scalar(255)).
      const img = tf.tensor4d(Int32Array.from(bytes), [n, args.size, args.size, 3], "int32");
      const asFloat = typeof img.toFloat === "function" ? img.toFloat() : tf.cast(img, "float32");
      const normalized = asFloat.div(tf.scalar(255));
      const out = runner.predict(normalized);
      return Array.isArray(out) ? out : [out];
    });
    const [probs, feats] = await Promise.all(outputs.map((t) => t.data()));
    predictNs += process.hrtime.bigint() - t0;
    const classesOut = outputs[0].shape[outputs[0].shape.length - 1];
    for (let i = 0; i < n; i++) {
      probabilities.push(Array.from(probs.subarray(i * classesOut, (i + 1) * classesOut)));
    }
    if (feats) {
      const width = feats.length / n;
      for (let i = 0; i < n; i++) features.push(Array.from(feats.subarray(i * width, (i + 1) * width)));
    }
    outputs.forEach((t) => t.dispose());
  }

  const predictMs = Number(predictNs) / 1e6;
  const result = {
    probabilities,
    ...(args.features !== undefined ? { features } : {}),
    backend: tf.getBackend(),
    tfjs_version: tf.version.tfjs,
    model: modelDir,
    classes,
    count: args.count,
    size: args.size,
    feature_layer: args.features === undefined ? null : args.features,
    load_ms: Math.round(loadMs),
    predict_ms: Math.round(predictMs),
    ms_per_image: Math.round(predictMs / args.count),
  };

  const outPath = path.resolve(args.out);
  const temp = path.join(path.dirname(outPath), `.${path.basename(outPath)}.tmp-${process.pid}`);
  fs.writeFileSync(temp, JSON.stringify(result) + "\n");
  fs.renameSync(temp, outPath);
  process.stdout.write(
    `reference: ${path.basename(modelDir)} ${args.count} image(s) ${args.size}x${args.size} on ${result.backend} ` +
      `(tfjs ${result.tfjs_version}): load ${result.load_ms} ms, ${result.ms_per_image} ms/image` +
      `${args.features !== undefined ? `, ${args.features} width ${features[0].length}` : ""} -> ${outPath}\n`,
  );
}

main().catch((e) => die(e && e.stack ? e.stack : String(e)));
