// The .npy files this project exchanges: little-endian, C order; int64 inputs and float32 outputs
// of the models, and the int8/uint8/int32 tensors of quantization operators.
'use strict';
const fs = require('fs');

const TYPED_ARRAYS = {
  '<i8': ['int64', BigInt64Array], '<f4': ['float32', Float32Array], '<i4': ['int32', Int32Array],
  '|i1': ['int8', Int8Array], '|u1': ['uint8', Uint8Array],
};

// Returns {type, shape, data} with `type` an onnxruntime tensor type name.
function readNpy(file) {
  const bytes = fs.readFileSync(file);
  if (bytes.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${file}: not a .npy file`);
  // Version 1 has a 2-byte header length, versions 2 and 3 a 4-byte one.
  const wide = bytes[6] >= 2;
  const headerLength = wide ? bytes.readUInt32LE(8) : bytes.readUInt16LE(8);
  const headerStart = wide ? 12 : 10;
  const header = bytes.toString('latin1', headerStart, headerStart + headerLength);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: Fortran order is not supported`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1]
    .split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  if (!(descr in TYPED_ARRAYS)) throw new Error(`${file}: unsupported dtype ${descr}`);
  const [type, TypedArray] = TYPED_ARRAYS[descr];
  // Copy: the file buffer's offset need not be aligned for the typed array.
  const copy = Uint8Array.from(bytes.subarray(headerStart + headerLength)).buffer;
  return { type, shape, data: new TypedArray(copy) };
}

// Writes a float32 array as a version 1 .npy file.
function writeNpyFloat32(file, shape, data) {
  writeNpy(file, 'float32', shape, data);
}

// Writes an array of an onnxruntime tensor type named in TYPED_ARRAYS as a version 1 .npy file.
function writeNpy(file, type, shape, data) {
  const descr = Object.keys(TYPED_ARRAYS).find((key) => TYPED_ARRAYS[key][0] === type);
  if (!descr) throw new Error(`${file}: cannot write tensors of type ${type}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Magic (6) + version (2) + length (2) + header + newline is padded to a multiple of 64.
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  fs.writeFileSync(file, Buffer.concat([prefix, Buffer.from(header, 'latin1'), body]));
}

module.exports = { readNpy, writeNpy, writeNpyFloat32 };
