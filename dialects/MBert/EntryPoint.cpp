//===- EntryPoint.cpp - the arguments of a model's entry point ------------===//

#include "dialects/MBert/EntryPoint.h"

using namespace mlir;

namespace mbert::model {

SmallVector<EntryArgumentSlot> getEntryPointLayout(size_t inputs, size_t outputs,
                                                   bool runTimeLength) {
  SmallVector<EntryArgumentSlot> layout;
  for (size_t input = 0; input < inputs; ++input)
    layout.push_back({EntryArgumentKind::Input, input});
  if (runTimeLength)
    layout.push_back({EntryArgumentKind::SequenceLength});
  for (size_t output = 0; output < outputs; ++output)
    layout.push_back({EntryArgumentKind::Output, output});
  layout.push_back({EntryArgumentKind::Workspace});
  layout.push_back({EntryArgumentKind::Pool});
  return layout;
}

void setEntryArgumentKind(FunctionOpInterface function, unsigned index, EntryArgumentKind kind) {
  function.setArgAttr(index, kEntryArgumentAttrName,
                      EntryArgumentKindAttr::get(function->getContext(), kind));
}

std::optional<EntryArgumentKind> getEntryArgumentKind(FunctionOpInterface function,
                                                      unsigned index) {
  if (auto attr = function.getArgAttrOfType<EntryArgumentKindAttr>(index, kEntryArgumentAttrName))
    return attr.getValue();
  return std::nullopt;
}

SmallVector<BlockArgument> getEntryArguments(FunctionOpInterface function,
                                             EntryArgumentKind kind) {
  SmallVector<BlockArgument> arguments;
  for (BlockArgument argument : function.getArguments())
    if (getEntryArgumentKind(function, argument.getArgNumber()) == kind)
      arguments.push_back(argument);
  return arguments;
}

LogicalResult verifyEntryPointLayout(FunctionOpInterface function,
                                     ArrayRef<EntryArgumentSlot> layout) {
  unsigned count = function.getNumArguments();
  for (unsigned index = 0; index < std::max<size_t>(count, layout.size()); ++index) {
    std::optional<EntryArgumentKind> actual =
        index < count ? getEntryArgumentKind(function, index) : std::nullopt;
    std::optional<EntryArgumentKind> expected =
        index < layout.size() ? std::optional(layout[index].kind) : std::nullopt;
    if (actual == expected)
      continue;
    std::string found = index >= count ? "missing"
                        : actual ? "the " + stringifyEntryArgumentKind(*actual).str()
                                 : "untagged";
    std::string wanted =
        expected ? "the " + stringifyEntryArgumentKind(*expected).str() : "no argument";
    return function.emitError("entry point argument ")
           << index << " is " << found << " where the C ABI has " << wanted;
  }
  return success();
}

std::optional<IterationRange> getIterationRange(FunctionOpInterface function) {
  std::optional<unsigned> begin, end;
  for (unsigned index = 0; index < function.getNumArguments(); ++index)
    if (auto attr =
            function.getArgAttrOfType<KernelArgumentKindAttr>(index, kKernelArgumentAttrName))
      (attr.getValue() == KernelArgumentKind::IterationBegin ? begin : end) = index;
  if (!begin || !end)
    return std::nullopt;
  return IterationRange{*begin, *end};
}

void setIterationRange(FunctionOpInterface function, IterationRange range) {
  MLIRContext *context = function->getContext();
  function.setArgAttr(range.begin, kKernelArgumentAttrName,
                      KernelArgumentKindAttr::get(context, KernelArgumentKind::IterationBegin));
  function.setArgAttr(range.end, kKernelArgumentAttrName,
                      KernelArgumentKindAttr::get(context, KernelArgumentKind::IterationEnd));
}

} // namespace mbert::model
