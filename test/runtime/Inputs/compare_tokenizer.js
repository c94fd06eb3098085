// Compares mbert's tokenizer (through mbert_tokenizer_tool) with Hugging Face tokenizers on a
// corpus from gen_tokenizer_corpus.py: ids, token types, attention mask, offsets and windows.
//
//   NODE_PATH=<npm modules> node compare_tokenizer.js TOOL CORPUS_DIR WORK_DIR [--unstrided]
//
// The reference is tokenizers 0.13.3, the last release whose truncation windows are right:
// 0.23.2 cuts every text to `max_length` words before tokenizing, so its overflowing windows end
// early and its longest_first split sees shortened lengths. --unstrided runs only the
// configurations that this does not touch (unstrided single texts, only_second), to check a current
// release too.
//
// Vocabularies: derive_bert_vocab.js (uncased BERT, and a cased variant of it).
//
// Prints one line per configuration ("<name>: N records, M mismatches") and then the first
// mismatches of each in detail; exits 1 on any mismatch.
'use strict';
const {execFileSync} = require('child_process');
const fs = require('fs');
const path = require('path');
const {Tokenizer} = require('tokenizers');
const {deriveVocabs, writeVocabs} = require('./derive_bert_vocab.js');

const [tool, corpusDir, workDir, scope] = process.argv.slice(2);
const MAX_REPORTED = 5;

// Lines of a corpus file; an empty line is the empty text.
function readLines(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines.pop(); // after the final newline
  return lines;
}

function hfTokenizer(tokens, lowercase) {
  const vocab = {};
  tokens.forEach((token, id) => { vocab[token] = id; });
  return Tokenizer.fromString(JSON.stringify({
    version: '1.0', truncation: null, padding: null, added_tokens: [], decoder: null,
    normalizer: {type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true,
                 strip_accents: null, lowercase},
    pre_tokenizer: {type: 'BertPreTokenizer'},
    post_processor: {type: 'BertProcessing', sep: ['[SEP]', vocab['[SEP]']],
                     cls: ['[CLS]', vocab['[CLS]']]},
    model: {type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##',
            max_input_chars_per_word: 100, vocab},
  }));
}

// For every byte offset of a UTF-8 buffer, the number of characters before it: at character
// boundaries, the character offset HF reports.
function charIndexOfByte(buffer) {
  const index = new Int32Array(buffer.length + 1);
  for (let i = 0; i < buffer.length; ++i) index[i + 1] = index[i] + ((buffer[i] & 0xC0) !== 0x80);
  return index;
}

function cWindowView(window, segments) {
  const maps = segments.map(charIndexOfByte);
  return window.ids.map((id, i) => {
    const begin = window.begin[i], end = window.end[i];
    let offsets = [0, 0];
    if (begin >= 0) {
      const map = maps[segments.length === 2 ? window.types[i] : 0];
      offsets = [map[begin], map[end]];
    }
    return [id, window.types[i], window.mask[i], offsets[0], offsets[1]].join(':');
  });
}

function hfWindowView(encoding) {
  const offsets = encoding.getOffsets();
  return encoding.getIds().map((id, i) =>
    [id, encoding.getTypeIds()[i], encoding.getAttentionMask()[i], offsets[i][0],
     offsets[i][1]].join(':'));
}

async function compare(config, vocabs) {
  const {name, casing, mode, length, stride, file} = config;
  const lines = readLines(path.join(corpusDir, file));
  const vocabPath = path.join(workDir, `vocab-${casing}.txt`);
  const output = execFileSync(tool, [vocabPath, casing, mode, String(length), String(stride)],
                              {input: lines.join('\n') + '\n', maxBuffer: 1 << 30})
                     .toString().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  if (output.length !== lines.length) throw new Error(`${name}: tool printed ${output.length}`);
  const tokenizer = hfTokenizer(vocabs[casing], casing === 'uncased');
  const strategy = {single: 'LongestFirst', longest_first: 'LongestFirst',
                    only_second: 'OnlySecond', windows: 'OnlySecond'}[mode];
  tokenizer.setTruncation(length, {strategy, stride});
  // HF aborts the process (a Rust panic) when a window would hold no more than `stride` tokens
  // of the truncated segment; mbert reports MBERT_ERROR_SEQUENCE_TOO_LONG. An untruncated
  // tokenizer tells the lengths beforehand.
  const counter = hfTokenizer(vocabs[casing], casing === 'uncased');
  const wouldPanic = async (texts) => {
    if (stride === 0) return false;
    const lengths = [];
    for (const t of texts) lengths.push((await counter.encode(t)).getLength() - 2);
    const budget = length - 1 - texts.length - (texts.length === 2 ? lengths[0] : 0);
    return lengths[lengths.length - 1] > budget && budget <= stride;
  };
  const mismatches = [];
  for (let r = 0; r < lines.length; ++r) {
    const segments = lines[r].split('\t').map((hex) => Buffer.from(hex, 'hex'));
    const texts = segments.map((b) => b.toString('utf8'));
    let expected;
    try {
      if (await wouldPanic(texts)) throw new Error('stride too long for the window');
      const encoding = await tokenizer.encode(texts[0], texts.length === 2 ? texts[1] : null);
      // HF always keeps what truncation cut off as "overflowing"; only windows want it.
      const windows = mode === 'windows' || stride > 0 ? [encoding, ...encoding.getOverflowing()]
                                                      : [encoding];
      expected = windows.map(hfWindowView);
    } catch (error) {
      expected = 'error';
    }
    const ours = output[r];
    let actual;
    if (ours.status === 0) actual = ours.windows.map((w) => cWindowView(w, segments));
    else if (ours.status === 11) actual = 'error'; // MBERT_ERROR_SEQUENCE_TOO_LONG
    else actual = `status ${ours.status}`;
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      mismatches.push({record: r, texts, expected, actual});
    }
  }
  console.log(`${name}: ${lines.length} records, ${mismatches.length} mismatches`);
  return mismatches;
}

// A mismatch, shown from the first token that differs: a few tokens of each side as
// id:type:mask:begin:end (character offsets) and the text those offsets point at.
function describe(m) {
  const lines = [`MISMATCH ${m.config} record ${m.record}`];
  if (!Array.isArray(m.expected) || !Array.isArray(m.actual)) {
    lines.push(`  hf: ${JSON.stringify(m.expected).slice(0, 200)}`,
               `  mbert: ${JSON.stringify(m.actual).slice(0, 200)}`,
               `  texts: ${JSON.stringify(m.texts).slice(0, 300)}`);
    return lines.join('\n');
  }
  let w = 0;
  while (w < m.expected.length && w < m.actual.length &&
         JSON.stringify(m.expected[w]) === JSON.stringify(m.actual[w])) ++w;
  lines.push(`  windows: hf ${m.expected.length}, mbert ${m.actual.length}; first difference in ` +
             `window ${w}`);
  const ours = m.actual[w] || [], theirs = m.expected[w] || [];
  let t = 0;
  while (t < ours.length && t < theirs.length && ours[t] === theirs[t]) ++t;
  const context = (tokens) => tokens.slice(Math.max(0, t - 2), t + 4).join(' ');
  lines.push(`  token ${t}: hf    ${context(theirs)}`, `  token ${t}: mbert ${context(ours)}`);
  const near = (theirs[t] || ours[t] || '').split(':');
  const segment = m.texts.length === 2 ? Number(near[1]) : 0;
  const chars = Array.from(m.texts[segment] || '');
  const at = Number(near[3]) || 0;
  lines.push(`  text near character ${at}: ` +
             JSON.stringify(chars.slice(Math.max(0, at - 10), at + 12).join('')));
  return lines.join('\n');
}

async function main() {
  const vocabs = deriveVocabs();
  writeVocabs(vocabs, workDir);
  const configs = [
    {name: 'uncased single 128', casing: 'uncased', mode: 'single', length: 128, stride: 0,
     file: 'texts.hex'},
    {name: 'uncased single windows 32/8', casing: 'uncased', mode: 'single', length: 32,
     stride: 8, file: 'texts.hex'},
    {name: 'cased single 128', casing: 'cased', mode: 'single', length: 128, stride: 0,
     file: 'texts.hex'},
    {name: 'uncased pair longest_first 64', casing: 'uncased', mode: 'longest_first',
     length: 64, stride: 0, file: 'pairs.hex'},
    {name: 'uncased pair only_second 64', casing: 'uncased', mode: 'only_second', length: 64,
     stride: 0, file: 'pairs.hex'},
    {name: 'uncased pair windows 96/24', casing: 'uncased', mode: 'windows', length: 96,
     stride: 24, file: 'pairs.hex'},
    {name: 'cased pair windows 384/128', casing: 'cased', mode: 'windows', length: 384,
     stride: 128, file: 'pairs.hex'},
  ];
  const unaffectedByPreTruncation = ['single', 'only_second'];
  if (scope === '--unstrided') {
    configs.splice(0, configs.length, ...configs.filter(
        (c) => unaffectedByPreTruncation.includes(c.mode) && c.stride === 0));
  }
  const version = require('tokenizers/package.json').version;
  console.log(`reference: tokenizers ${version}`);
  let total = 0, failed = 0;
  const reports = [];
  for (const config of configs) {
    const mismatches = await compare(config, vocabs);
    total += readLines(path.join(corpusDir, config.file)).length;
    failed += mismatches.length;
    for (const m of mismatches.slice(0, MAX_REPORTED)) reports.push({config: config.name, ...m});
  }
  console.log(`total: ${total} encodings, ${failed} mismatches`);
  for (const m of reports) console.log(describe(m));
  process.exit(failed ? 1 : 0);
}

main().catch((error) => { console.error(error); process.exit(2); });
