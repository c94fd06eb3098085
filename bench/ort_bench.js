// Times ONNX Runtime (CPU) on a model with inputs from .npy files and prints
// one JSON line: {"threads": N, "median_ms": ..., "min_ms": ...}.
// Usage: node ort_bench.js MODEL.onnx INPUT_DIR ITERATIONS THREADS
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

// Reads the little-endian int64 / float32 .npy files the exporter writes.
function readNpy(file) {
  const bytes = fs.readFileSync(file);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.toString('latin1', 10, 10 + headerLength);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1]
    .split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  const data = bytes.subarray(10 + headerLength);
  const copy = Uint8Array.from(data).buffer;
  if (descr === '<i8') return new ort.Tensor('int64', new BigInt64Array(copy), shape);
  if (descr === '<f4') return new ort.Tensor('float32', new Float32Array(copy), shape);
  throw new Error(`${file}: unsupported dtype ${descr}`);
}

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
  for (const name of session.inputNames) feeds[name] = readNpy(path.join(inputDir, `${name}.npy`));
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
