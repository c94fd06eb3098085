// Times ONNX Runtime (CPU) on a model with inputs from .npy files and prints
// one JSON line: {"threads": N, "median_ms": ..., "min_ms": ...}.
// Usage: node ort_bench.js MODEL.onnx INPUT_DIR ITERATIONS THREADS
'use strict';
const path = require('path');
const ort = require('onnxruntime-node');
const { readNpy } = require('./npy');

async function main() {
  const [modelPath, inputDir, iterationsText, threadsText] = process.argv.slice(2);
  const iterations = Number(iterationsText);
  const threads = Number(threadsText);
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const feeds = {};
  for (const name of session.inputNames) {
    const { type, shape, data } = readNpy(path.join(inputDir, `${name}.npy`));
    feeds[name] = new ort.Tensor(type, data, shape);
  }
  await session.run(feeds); // warm-up: first run allocates and packs
  const times = [];
  for (let i = 0; i < iterations; ++i) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(JSON.stringify({ threads, median_ms: median, min_ms: times[0] }));
}

main().catch((error) => {
  console.error(`ort_bench: ${error.message}`);
  process.exit(1);
});
