#!/usr/bin/env node
// Unwraps one nsfwjs model directory (UMD-wrapped TF.js layers model) into standard TF.js files.
//
//   node unwrap_model.cjs MODEL_DIR OUT_DIR
//
// MODEL_DIR is e.g. node_modules/nsfwjs/dist/models/mobilenet_v2, holding model.min.js (a UMD module
// whose value is {modelTopology, weightsManifest}) and group1-shardKofN.min.js (UMD modules whose
// value is the base64 text of that shard's bytes). OUT_DIR receives:
//   model.json      {format, convertedBy, modelTopology, weightsManifest} with paths "<shard>.bin"
//   <shard>.bin     the decoded shard bytes (still uint8-quantised, as the manifest says)
//   classes.json    the nsfwjs class names in output order (dist/cjs/nsfw_classes.js)
// Every file is written to a temp file in OUT_DIR and renamed into place; model.json goes last, so a
// model.json in OUT_DIR means the shards it names are complete. The modules are evaluated in an
// empty vm context (no require, no process), so the package's "type" field does not matter.
"use strict";

const fs = require("fs");
const path = require("path");
const vm = require("vm");

function die(message) {
  process.stderr.write(`unwrap_model: ${message}\n`);
  process.exit(1);
}

// Evaluates a UMD/CommonJS file and returns its module.exports, without giving it node's require.
function evalModule(file) {
  let source;
  try {
    source = fs.readFileSync(file, "utf8");
  } catch (e) {
    die(`cannot read ${file}: ${e.message}`);
  }
  const module = { exports: {} };
  const sandbox = { module, exports: module.exports };
  try {
    vm.runInNewContext(source, sandbox, { filename: file, timeout: 60000 });
  } catch (e) {
    die(`cannot evaluate ${file}: ${e.message}`);
  }
  return module.exports;
}

function unwrapValue(value) {
  // Tolerate an ES-module interop wrapper ({default: value}).
  if (value && typeof value === "object" && "default" in value && Object.keys(value).length <= 2) {
    return value.default;
  }
  return value;
}

const DTYPE_BYTES = { float32: 4, int32: 4, uint8: 1, uint16: 2, bool: 1 };

function specBytes(spec) {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization ? spec.quantization.dtype : spec.dtype;
  const bytes = DTYPE_BYTES[dtype];
  if (bytes === undefined) die(`weight ${spec.name}: unsupported dtype ${dtype}`);
  return count * bytes;
}

// Finds the nsfwjs package root above MODEL_DIR (the nearest package.json named "nsfwjs").
function findPackageRoot(dir) {
  let current = path.resolve(dir);
  for (;;) {
    const candidate = path.join(current, "package.json");
    if (fs.existsSync(candidate)) {
      try {
        const pkg = JSON.parse(fs.readFileSync(candidate, "utf8"));
        if (pkg.name === "nsfwjs") return { root: current, version: pkg.version };
      } catch (e) {
        // not JSON we understand: keep walking up
      }
    }
    const parent = path.dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}

function loadClasses(pkgRoot) {
  const file = path.join(pkgRoot, "dist", "cjs", "nsfw_classes.js");
  const exported = evalModule(file);
  const table = exported.NSFW_CLASSES;
  if (!table || typeof table !== "object") die(`${file} does not export NSFW_CLASSES`);
  const indices = Object.keys(table).map(Number).sort((a, b) => a - b);
  indices.forEach((index, i) => {
    if (index !== i) die(`${file}: class indices are not 0..N-1`);
  });
  return indices.map((i) => String(table[i]));
}

function writeAtomic(file, data) {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  const fd = fs.openSync(temp, "w");
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}

function main(argv) {
  if (argv.length !== 2 || argv.includes("--help") || argv.includes("-h")) {
    process.stderr.write("usage: node unwrap_model.cjs MODEL_DIR OUT_DIR\n");
    process.exit(argv.includes("--help") || argv.includes("-h") ? 0 : 2);
  }
  const [modelDir, outDir] = argv.map((p) => path.resolve(p));

  const model = unwrapValue(evalModule(path.join(modelDir, "model.min.js")));
  if (!model || typeof model !== "object" || !model.modelTopology || !Array.isArray(model.weightsManifest)) {
    die(`${modelDir}/model.min.js is not a {modelTopology, weightsManifest} module`);
  }

  const pkg = findPackageRoot(modelDir);
  if (!pkg) die(`no nsfwjs package.json above ${modelDir}`);
  const classes = loadClasses(pkg.root);

  // The output layer's units must match the class table.
  const config = model.modelTopology.model_config && model.modelTopology.model_config.config;
  if (config && Array.isArray(config.output_layers) && config.output_layers.length === 1) {
    const outName = config.output_layers[0][0];
    const outLayer = config.layers.find((l) => l.name === outName || (l.config && l.config.name === outName));
    if (outLayer && outLayer.config.units !== undefined && outLayer.config.units !== classes.length) {
      die(`output layer ${outName} has ${outLayer.config.units} units but nsfwjs lists ${classes.length} classes`);
    }
  }

  // Decode every shard; check the byte counts against the manifest.
  const shards = [];
  const manifest = model.weightsManifest.map((group) => {
    let expected = group.weights.reduce((sum, spec) => sum + specBytes(spec), 0);
    let actual = 0;
    const paths = group.paths.map((shardPath) => {
      if (!/^[A-Za-z0-9_.-]+$/.test(shardPath)) die(`unexpected shard path ${JSON.stringify(shardPath)}`);
      const value = unwrapValue(evalModule(path.join(modelDir, `${shardPath}.min.js`)));
      if (typeof value !== "string") die(`${shardPath}.min.js does not export a base64 string`);
      const bytes = Buffer.from(value, "base64");
      actual += bytes.length;
      const name = shardPath.endsWith(".bin") ? shardPath : `${shardPath}.bin`;
      shards.push({ name, bytes });
      return name;
    });
    if (actual !== expected) {
      die(`shards ${group.paths.join(",")} hold ${actual} bytes, the manifest needs ${expected}`);
    }
    return { ...group, paths };
  });

  const modelJson = {
    format: model.format || "layers-model",
    generatedBy: model.generatedBy || `keras v${model.modelTopology.keras_version || "?"}`,
    convertedBy: `trainbox tools/tfjs/unwrap_model.cjs from nsfwjs@${pkg.version} ${path.relative(pkg.root, modelDir)}`,
    modelTopology: model.modelTopology,
    weightsManifest: manifest,
  };
  if (model.userDefinedMetadata) modelJson.userDefinedMetadata = model.userDefinedMetadata;

  fs.mkdirSync(outDir, { recursive: true });
  let total = 0;
  for (const shard of shards) {
    writeAtomic(path.join(outDir, shard.name), shard.bytes);
    total += shard.bytes.length;
  }
  writeAtomic(path.join(outDir, "classes.json"), JSON.stringify(classes) + "\n");
  writeAtomic(path.join(outDir, "model.json"), JSON.stringify(modelJson) + "\n");

  const layers = config && Array.isArray(config.layers) ? config.layers.length : 0;
  const weights = manifest.reduce((n, g) => n + g.weights.length, 0);
  process.stdout.write(
    `unwrapped ${modelDir} -> ${outDir}: model.json (${layers} layers, ${weights} weights), ` +
      `${shards.length} shard(s) ${total} bytes, classes.json [${classes.join(", ")}]\n`,
  );
}

main(process.argv.slice(2));
