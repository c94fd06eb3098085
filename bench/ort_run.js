// Runs ONNX Runtime (CPU) on every sample folder of SAMPLES_DIR (SAMPLES_DIR/<sample>/<input>.npy,
// as python/fidelity.py generates them) in one session and writes OUT_DIR/<sample>/<output>.npy
// (float32, int32, int8 or uint8 outputs, as the model computes them).
// Usage: node ort_run.js MODEL.onnx SAMPLES_DIR OUT_DIR [THREADS]
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');
const { readNpy, writeNpy } = require('./npy');

async function main() {
  const [modelPath, samplesDir, outDir, threadsText = '1'] = process.argv.slice(2);
  if (!outDir) throw new Error('usage: node ort_run.js MODEL.onnx SAMPLES_DIR OUT_DIR [THREADS]');
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: Number(threadsText),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const samples = fs.readdirSync(samplesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  if (!samples.length) throw new Error(`${samplesDir}: no sample folders`);
  for (const sample of samples) {
    const feeds = {};
    for (const name of session.inputNames) {
      const { type, shape, data } = readNpy(path.join(samplesDir, sample, `${name}.npy`));
      feeds[name] = new ort.Tensor(type, data, shape);
    }
    const results = await session.run(feeds);
    fs.mkdirSync(path.join(outDir, sample), { recursive: true });
    for (const name of session.outputNames) {
      const tensor = results[name];
      writeNpy(path.join(outDir, sample, `${name}.npy`), tensor.type, tensor.dims, tensor.data);
    }
  }
  console.log(JSON.stringify({ samples: samples.length }));
}

main().catch((error) => {
  console.error(`ort_run: ${error.message}`);
  process.exit(1);
});
