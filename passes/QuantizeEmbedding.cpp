//===- QuantizeEmbedding.cpp - the word table as int8 rows ----------------===//

#include "passes/ConstantTensors.h"
#include "passes/Passes.h"

#include "dialects/Onnx/ConstantStorage.h"

#include <cmath>

namespace mbert {
#define GEN_PASS_DEF_QUANTIZEEMBEDDINGPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;
using mbert::model::EmbeddingOp;

namespace {

struct QuantizeEmbeddingPass : mbert::impl::QuantizeEmbeddingPassBase<QuantizeEmbeddingPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    getOperation().walk([&](EmbeddingOp embedding) {
      if (embedding.getWordScale() || !mbert::isFloatConstant(embedding.getWordTable()))
        return;
      auto tableType = cast<RankedTensorType>(embedding.getWordTable().getType());
      int64_t rows = tableType.getDimSize(0), width = tableType.getDimSize(1);
      std::vector<float> table = *mbert::getConstantFloats(embedding.getWordTable());
      std::vector<int8_t> values(table.size());
      std::vector<float> scales(rows);
      for (int64_t row = 0; row < rows; ++row) {
        ArrayRef<float> entries(table.data() + row * width, width);
        float largest = 0.0f;
        for (float entry : entries)
          largest = std::max(largest, std::fabs(entry));
        scales[row] = mbert::getSymmetricInt8Scale(largest);
        for (auto [column, entry] : llvm::enumerate(entries))
          values[row * width + column] = mbert::quantizeToInt8(entry, scales[row]);
      }
      rewriter.setInsertionPoint(embedding);
      Location loc = embedding.getWordTable().getLoc();
      auto valuesType = RankedTensorType::get({rows, width}, rewriter.getI8Type());
      auto scalesType = RankedTensorType::get({rows}, rewriter.getF32Type());
      Value quantizedTable = mbert::onnx_import::ConstantOp::create(
          rewriter, loc,
          mbert::onnx_import::createConstantAttr(valuesType, ArrayRef<int8_t>(values)));
      Value rowScales = mbert::onnx_import::ConstantOp::create(
          rewriter, loc,
          mbert::onnx_import::createConstantAttr(scalesType, ArrayRef<float>(scales)));
      rewriter.modifyOpInPlace(embedding, [&] {
        embedding.getWordTableMutable().assign(quantizedTable);
        embedding.getWordScaleMutable().assign(rowScales);
      });
      ++quantizedTables;
    });
  }
};

} // namespace
