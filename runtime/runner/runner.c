/* Generic npy-in/npy-out `main` for any compiled model.
 *
 * The model is found through the linker alias `mbert_runner_model`
 * (`-Wl,--defsym=mbert_runner_model=NAME_model`), so this file is compiled once per target and
 * linked unchanged with every model. Every error is one line on stderr and a nonzero exit, and
 * output files appear only when the whole run succeeded. */
#define _POSIX_C_SOURCE 200809L

#include "mbert_npy.h"
#include "mbert_runtime.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

extern const mbert_model_t mbert_runner_model;

enum { kExitFailure = 1, kExitUsage = 2 };

/* More threads than this is a typo, not a machine. */
enum { kMaxThreads = 256 };

static const char kUsage[] =
    "usage: %s --input NAME=FILE.npy ... --output-dir DIR [--iterations N] [--warmup N]\n"
    "          [--threads N]\n"
    "       %s --info\n"
    "\n"
    "Runs the compiled model on .npy inputs and writes DIR/<output name>.npy per output.\n"
    "  --input NAME=FILE  value of model input NAME; every input exactly once\n"
    "  --output-dir DIR   where outputs go; created if missing\n"
    "  --iterations N     timed runs (default 1); N > 1 prints median_ms and min_ms\n"
    "  --warmup N         untimed runs before the timed ones (default 0)\n"
    "  --threads N        threads running the model, the caller's included (default 1)\n"
    "  --info             print the model's signature and exit\n";

static void print_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

static void print_error(const char *format, ...) {
  va_list args;
  va_start(args, format);
  fputs("error: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
}

/* ---------------------------------------------------------------------------------------------
 * Command line */

typedef struct runner_input_arg_t {
  const char *name; /* points into argv; not NUL-terminated at '=' */
  size_t name_length;
  const char *path;
} runner_input_arg_t;

typedef struct runner_options_t {
  runner_input_arg_t *inputs;
  int num_inputs;
  const char *output_dir;
  long iterations;
  long warmup;
  long threads;
  bool print_info;
  bool print_help;
} runner_options_t;

static bool parse_count(const char *text, long minimum, long *out_value) {
  char *end = NULL;
  errno = 0;
  long value = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < minimum || value > 1000000000L)
    return false;
  *out_value = value;
  return true;
}

/* Accepts both "--flag value" and "--flag=value". Returns the value, or NULL when `argv[*index]`
 * is not `flag`; advances `*index` past a separate value. */
static const char *match_flag_value(int argc, char **argv, int *index, const char *flag,
                                    bool *out_missing_value) {
  const char *arg = argv[*index];
  size_t flag_length = strlen(flag);
  if (strncmp(arg, flag, flag_length) != 0)
    return NULL;
  if (arg[flag_length] == '=')
    return arg + flag_length + 1;
  if (arg[flag_length] != '\0')
    return NULL;
  if (*index + 1 >= argc) {
    *out_missing_value = true;
    return NULL;
  }
  return argv[++*index];
}

static bool parse_command_line(int argc, char **argv, runner_options_t *options) {
  options->inputs = calloc((size_t)argc + 1, sizeof(runner_input_arg_t));
  if (!options->inputs) {
    print_error("out of memory");
    return false;
  }
  options->iterations = 1;
  options->threads = 1;
  for (int i = 1; i < argc; ++i) {
    const char *flag = argv[i];
    bool missing_value = false;
    const char *value = NULL;
    if (strcmp(flag, "--help") == 0 || strcmp(flag, "-h") == 0) {
      options->print_help = true;
    } else if (strcmp(flag, "--info") == 0) {
      options->print_info = true;
    } else if ((value = match_flag_value(argc, argv, &i, "--input", &missing_value))) {
      const char *equals = strchr(value, '=');
      if (!equals || equals == value || equals[1] == '\0') {
        print_error("--input expects NAME=FILE.npy, got '%s'", value);
        return false;
      }
      runner_input_arg_t *input = &options->inputs[options->num_inputs++];
      input->name = value;
      input->name_length = (size_t)(equals - value);
      input->path = equals + 1;
    } else if ((value = match_flag_value(argc, argv, &i, "--output-dir", &missing_value))) {
      if (value[0] == '\0') {
        print_error("--output-dir expects a directory");
        return false;
      }
      options->output_dir = value;
    } else if ((value = match_flag_value(argc, argv, &i, "--iterations", &missing_value))) {
      if (!parse_count(value, 1, &options->iterations)) {
        print_error("--iterations expects a positive integer, got '%s'", value);
        return false;
      }
    } else if ((value = match_flag_value(argc, argv, &i, "--threads", &missing_value))) {
      if (!parse_count(value, 1, &options->threads) || options->threads > kMaxThreads) {
        print_error("--threads expects an integer from 1 to %d, got '%s'", kMaxThreads, value);
        return false;
      }
    } else if ((value = match_flag_value(argc, argv, &i, "--warmup", &missing_value))) {
      if (!parse_count(value, 0, &options->warmup)) {
        print_error("--warmup expects a non-negative integer, got '%s'", value);
        return false;
      }
    } else if (missing_value) {
      print_error("%s expects a value", flag);
      return false;
    } else {
      print_error("unknown argument '%s' (see --help)", flag);
      return false;
    }
  }
  return true;
}

/* ---------------------------------------------------------------------------------------------
 * Signature */

/* Formats e.g. "int64[1,128]" (or "float32[]" for a scalar) into `buffer`. */
static const char *format_tensor_type(int32_t dtype, const int64_t *shape, int32_t rank,
                                      char *buffer, size_t capacity) {
  size_t length = (size_t)snprintf(buffer, capacity, "%s[", mbert_dtype_name(dtype));
  for (int32_t i = 0; i < rank && length < capacity; ++i)
    length += (size_t)snprintf(buffer + length, capacity - length, "%s%" PRId64,
                               i == 0 ? "" : ",", shape[i]);
  if (length < capacity)
    snprintf(buffer + length, capacity - length, "]");
  return buffer;
}

enum { kTensorTypeCapacity = 64 + MBERT_NPY_MAX_RANK * 21 };

static void print_tensor_list(const char *heading, const mbert_tensor_info_t *tensors,
                              int32_t count) {
  char type[kTensorTypeCapacity];
  printf("%s:\n", heading);
  for (int32_t i = 0; i < count; ++i) {
    printf("  %s: %s", tensors[i].name,
           format_tensor_type(tensors[i].dtype, tensors[i].shape, tensors[i].rank, type,
                              sizeof(type)));
    if (tensors[i].sequence_axis >= 0)
      printf(" (axis %d: the sequence, up to this length)", (int)tensors[i].sequence_axis);
    printf("\n");
  }
}

static void print_signature(const mbert_model_t *model) {
  printf("model: %s\n", model->name ? model->name : "");
  print_tensor_list("inputs", model->inputs, model->num_inputs);
  print_tensor_list("outputs", model->outputs, model->num_outputs);
  printf("workspace_bytes: %" PRIu64 "\n", model->workspace_size);
  printf("workspace_alignment: %" PRIu64 "\n", model->workspace_alignment);
  if (model->max_sequence_length > 0)
    printf("max_sequence_length: %" PRId64 "\n", model->max_sequence_length);
}

/* A descriptor comes from generated code; checking it once here keeps the rest of the runner
 * free of defensive tests. */
static bool check_model_descriptor(const mbert_model_t *model) {
  if (!model->run_packed || model->num_inputs < 0 || model->num_outputs < 0 ||
      (model->num_inputs > 0 && !model->inputs) || (model->num_outputs > 0 && !model->outputs)) {
    print_error("model descriptor '%s' is malformed", model->name ? model->name : "");
    return false;
  }
  uint64_t alignment = model->workspace_alignment;
  if ((alignment & (alignment - 1)) != 0) {
    print_error("model '%s' asks for a workspace alignment of %" PRIu64
                ", which is not a power of two",
                model->name, alignment);
    return false;
  }
  for (int32_t i = 0; i < model->num_inputs + model->num_outputs; ++i) {
    const mbert_tensor_info_t *info =
        i < model->num_inputs ? &model->inputs[i] : &model->outputs[i - model->num_inputs];
    uint64_t byte_size = 0;
    bool sequence_axis_ok = info->sequence_axis < 0 ||
                            (model->max_sequence_length > 0 && info->sequence_axis < info->rank &&
                             info->shape[info->sequence_axis] == model->max_sequence_length);
    if (!info->name || info->rank > MBERT_NPY_MAX_RANK || !sequence_axis_ok ||
        mbert_tensor_byte_size(info, &byte_size) != MBERT_OK) {
      print_error("model '%s' has a malformed tensor descriptor at position %d", model->name,
                  (int)i);
      return false;
    }
  }
  return true;
}

/* ---------------------------------------------------------------------------------------------
 * Inputs */

static bool shapes_equal(const int64_t *lhs, int32_t lhs_rank, const int64_t *rhs,
                         int32_t rhs_rank) {
  if (lhs_rank != rhs_rank)
    return false;
  for (int32_t i = 0; i < lhs_rank; ++i)
    if (lhs[i] != rhs[i])
      return false;
  return true;
}

/* The only dtype conversions the runner makes: int32 files widen to int64 inputs (token ids are
 * often saved as int32), and int64 files narrow to int32 inputs when every value fits. */
static bool is_allowed_conversion(int32_t from_dtype, int32_t to_dtype) {
  return (from_dtype == MBERT_DTYPE_INT32 && to_dtype == MBERT_DTYPE_INT64) ||
         (from_dtype == MBERT_DTYPE_INT64 && to_dtype == MBERT_DTYPE_INT32);
}

/* Converts `array` in place to `dtype`, one of the allowed conversions; on failure reports why. */
static bool convert_input_dtype(const char *input_name, mbert_npy_array_t *array, int32_t dtype) {
  bool widen = dtype == MBERT_DTYPE_INT64;
  uint64_t byte_size = array->element_count * mbert_dtype_size(dtype);
  void *converted = NULL;
  if (mbert_workspace_alloc(byte_size, MBERT_WORKSPACE_ALIGNMENT, &converted) != MBERT_OK) {
    print_error("input '%s': out of memory converting to %s", input_name,
                mbert_dtype_name(dtype));
    return false;
  }
  for (uint64_t i = 0; i < array->element_count; ++i) {
    if (widen) {
      ((int64_t *)converted)[i] = ((const int32_t *)array->data)[i];
      continue;
    }
    int64_t value = ((const int64_t *)array->data)[i];
    if (value < INT32_MIN || value > INT32_MAX) {
      print_error("input '%s': value %" PRId64 " at element %" PRIu64
                  " does not fit the model's int32",
                  input_name, value, i);
      mbert_workspace_free(converted);
      return false;
    }
    ((int32_t *)converted)[i] = (int32_t)value;
  }
  mbert_workspace_free(array->data);
  array->data = converted;
  array->dtype = dtype;
  array->byte_size = byte_size;
  return true;
}

static int find_input_index(const mbert_model_t *model, const runner_input_arg_t *arg) {
  for (int32_t i = 0; i < model->num_inputs; ++i) {
    const char *name = model->inputs[i].name;
    if (strlen(name) == arg->name_length && memcmp(name, arg->name, arg->name_length) == 0)
      return (int)i;
  }
  return -1;
}

/* The sequence length the inputs were given at: the extent of the first input along its
 * sequence axis (0 for a model of fixed shapes). The shape check then holds every input to it. */
static int64_t infer_sequence_length(const mbert_model_t *model, const mbert_npy_array_t *arrays) {
  for (int32_t i = 0; i < model->num_inputs; ++i) {
    const mbert_tensor_info_t *info = &model->inputs[i];
    if (info->sequence_axis >= 0 && arrays[i].rank == info->rank)
      return arrays[i].shape[info->sequence_axis];
  }
  return 0;
}

/* Reads one array per model input, in signature order, into `arrays`, and the sequence length
 * they have into `*sequence_length`. */
static bool load_inputs(const mbert_model_t *model, const runner_options_t *options,
                        mbert_npy_array_t *arrays, int64_t *sequence_length) {
  const runner_input_arg_t **arg_for_input = calloc((size_t)model->num_inputs + 1,
                                                    sizeof(*arg_for_input));
  if (!arg_for_input) {
    print_error("out of memory");
    return false;
  }
  bool ok = true;
  for (int i = 0; ok && i < options->num_inputs; ++i) {
    const runner_input_arg_t *arg = &options->inputs[i];
    int index = find_input_index(model, arg);
    if (index < 0) {
      char known[1024] = "";
      size_t length = 0;
      for (int32_t k = 0; k < model->num_inputs && length < sizeof(known); ++k)
        length += (size_t)snprintf(known + length, sizeof(known) - length, "%s%s",
                                   k == 0 ? "" : ", ", model->inputs[k].name);
      print_error("unknown input '%.*s' (model '%s' has inputs: %s)", (int)arg->name_length,
                  arg->name, model->name, known);
      ok = false;
    } else if (arg_for_input[index]) {
      print_error("input '%s' is given more than once", model->inputs[index].name);
      ok = false;
    } else {
      arg_for_input[index] = arg;
    }
  }
  for (int32_t i = 0; ok && i < model->num_inputs; ++i) {
    if (!arg_for_input[i]) {
      print_error("missing input '%s' (pass --input %s=FILE.npy)", model->inputs[i].name,
                  model->inputs[i].name);
      ok = false;
    }
  }
  for (int32_t i = 0; ok && i < model->num_inputs; ++i) {
    char message[MBERT_NPY_MESSAGE_CAPACITY];
    if (mbert_npy_read_file(arg_for_input[i]->path, &arrays[i], message, sizeof(message)) !=
        MBERT_OK) {
      print_error("input '%s': %s", model->inputs[i].name, message);
      ok = false;
    }
  }
  *sequence_length = ok ? infer_sequence_length(model, arrays) : 0;
  if (ok && model->max_sequence_length > 0 &&
      (*sequence_length < 1 || *sequence_length > model->max_sequence_length)) {
    print_error("the inputs have a sequence length of %" PRId64 "; model '%s' takes 1 to %" PRId64,
                *sequence_length, model->name, model->max_sequence_length);
    ok = false;
  }
  for (int32_t i = 0; ok && i < model->num_inputs; ++i) {
    const mbert_tensor_info_t *info = &model->inputs[i];
    mbert_npy_array_t *array = &arrays[i];
    int64_t expected_shape[MBERT_NPY_MAX_RANK];
    mbert_tensor_shape_at_length(info, *sequence_length, expected_shape);
    if (!shapes_equal(array->shape, array->rank, expected_shape, info->rank) ||
        (array->dtype != info->dtype && !is_allowed_conversion(array->dtype, info->dtype))) {
      char expected[kTensorTypeCapacity], actual[kTensorTypeCapacity];
      print_error("input '%s': expected %s, got %s from %s", info->name,
                  format_tensor_type(info->dtype, expected_shape, info->rank, expected,
                                     sizeof(expected)),
                  format_tensor_type(array->dtype, array->shape, array->rank, actual,
                                     sizeof(actual)),
                  arg_for_input[i]->path);
      ok = false;
    } else if (array->dtype != info->dtype) {
      ok = convert_input_dtype(info->name, array, info->dtype);
    }
  }
  free(arg_for_input);
  return ok;
}

/* ---------------------------------------------------------------------------------------------
 * Outputs */

/* Creates `path` and its missing parents, like `mkdir -p`. */
static bool make_directories(const char *path) {
  char *partial = strdup(path);
  if (!partial)
    return false;
  bool ok = true;
  for (char *slash = partial + 1;; ++slash) {
    if (*slash != '/' && *slash != '\0')
      continue;
    char saved = *slash;
    *slash = '\0';
    struct stat info;
    if (stat(partial, &info) != 0) {
      if (mkdir(partial, 0777) != 0 && errno != EEXIST) {
        ok = false;
        break;
      }
    } else if (!S_ISDIR(info.st_mode)) {
      errno = ENOTDIR;
      ok = false;
      break;
    }
    *slash = saved;
    if (saved == '\0')
      break;
  }
  free(partial);
  return ok;
}

/* "DIR/NAME.npy" + `suffix`, with path separators in NAME replaced by '_' so that every output
 * stays directly inside DIR. */
static char *make_output_path(const char *output_dir, const char *output_name, const char *suffix) {
  size_t dir_length = strlen(output_dir), name_length = strlen(output_name);
  size_t length = dir_length + 1 + name_length + strlen(".npy") + strlen(suffix);
  char *path = malloc(length + 1);
  if (!path)
    return NULL;
  snprintf(path, length + 1, "%s/%s.npy%s", output_dir, output_name, suffix);
  for (char *c = path + dir_length + 1; c < path + dir_length + 1 + name_length; ++c)
    if (*c == '/' || *c == '\\')
      *c = '_';
  return path;
}

/* Writes every output to a temporary file first and renames them only once all are written, so
 * a failed run leaves no partial set of outputs behind. */
static bool write_outputs(const mbert_model_t *model, const char *output_dir, void **buffers,
                          int64_t sequence_length) {
  if (!make_directories(output_dir)) {
    print_error("cannot create output directory '%s': %s", output_dir, strerror(errno));
    return false;
  }
  int32_t count = model->num_outputs;
  char **temporary_paths = calloc((size_t)count + 1, sizeof(char *));
  char **final_paths = calloc((size_t)count + 1, sizeof(char *));
  bool ok = temporary_paths && final_paths;
  if (!ok)
    print_error("out of memory");
  int32_t written = 0;
  for (int32_t i = 0; ok && i < count; ++i) {
    const mbert_tensor_info_t *info = &model->outputs[i];
    temporary_paths[i] = make_output_path(output_dir, info->name, ".partial");
    final_paths[i] = make_output_path(output_dir, info->name, "");
    if (!temporary_paths[i] || !final_paths[i]) {
      print_error("out of memory");
      ok = false;
      break;
    }
    char message[MBERT_NPY_MESSAGE_CAPACITY];
    int64_t shape[MBERT_NPY_MAX_RANK];
    mbert_tensor_shape_at_length(info, sequence_length, shape);
    if (mbert_npy_write_file(temporary_paths[i], info->dtype, shape, info->rank,
                             buffers[model->num_inputs + i], message,
                             sizeof(message)) != MBERT_OK) {
      print_error("output '%s': %s", info->name, message);
      ok = false;
      break;
    }
    written = i + 1;
  }
  for (int32_t i = 0; ok && i < count; ++i) {
    if (rename(temporary_paths[i], final_paths[i]) != 0) {
      print_error("output '%s': cannot rename to %s: %s", model->outputs[i].name, final_paths[i],
                  strerror(errno));
      ok = false;
    }
  }
  if (!ok)
    for (int32_t i = 0; i < written; ++i)
      remove(temporary_paths[i]);
  for (int32_t i = 0; temporary_paths && final_paths && i < count; ++i) {
    free(temporary_paths[i]);
    free(final_paths[i]);
  }
  free(temporary_paths);
  free(final_paths);
  return ok;
}

/* ---------------------------------------------------------------------------------------------
 * Running and timing */

static double monotonic_milliseconds(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec * 1e3 + (double)now.tv_nsec * 1e-6;
}

static int compare_doubles(const void *lhs, const void *rhs) {
  double a = *(const double *)lhs, b = *(const double *)rhs;
  return (a > b) - (a < b);
}

static bool run_model(const mbert_model_t *model, void *const *buffers, int64_t sequence_length,
                      void *workspace, mbert_pool_t *pool) {
  int32_t status = mbert_model_run_with_length(model, buffers, sequence_length, workspace,
                                               model->workspace_size, pool);
  if (status != MBERT_OK) {
    print_error("model '%s' failed with status %d: %s", model->name, (int)status,
                mbert_status_string((mbert_status_t)status));
    return false;
  }
  return true;
}

/* Runs `warmup` untimed then `iterations` timed calls; prints median and minimum when there is
 * more than one timed call. */
static bool run_and_time(const mbert_model_t *model, void *const *buffers, int64_t sequence_length,
                         void *workspace, mbert_pool_t *pool, long warmup, long iterations) {
  for (long i = 0; i < warmup; ++i)
    if (!run_model(model, buffers, sequence_length, workspace, pool))
      return false;
  double *milliseconds = malloc((size_t)iterations * sizeof(double));
  if (!milliseconds) {
    print_error("out of memory");
    return false;
  }
  for (long i = 0; i < iterations; ++i) {
    double start = monotonic_milliseconds();
    if (!run_model(model, buffers, sequence_length, workspace, pool)) {
      free(milliseconds);
      return false;
    }
    milliseconds[i] = monotonic_milliseconds() - start;
  }
  if (iterations > 1) {
    qsort(milliseconds, (size_t)iterations, sizeof(double), compare_doubles);
    double median = iterations % 2 ? milliseconds[iterations / 2]
                                   : (milliseconds[iterations / 2 - 1] +
                                      milliseconds[iterations / 2]) / 2;
    printf("iterations: %ld\n", iterations);
    printf("median_ms: %.3f\n", median);
    printf("min_ms: %.3f\n", milliseconds[0]);
  }
  free(milliseconds);
  return true;
}

/* ---------------------------------------------------------------------------------------------
 * main */

int main(int argc, char **argv) {
  const mbert_model_t *model = &mbert_runner_model;
  const char *program = argc > 0 ? argv[0] : "runner";
  runner_options_t options;
  memset(&options, 0, sizeof(options));
  if (!parse_command_line(argc, argv, &options)) {
    free(options.inputs);
    return kExitUsage;
  }
  if (options.print_help) {
    printf(kUsage, program, program);
    free(options.inputs);
    return 0;
  }
  if (!check_model_descriptor(model)) {
    free(options.inputs);
    return kExitFailure;
  }
  if (options.print_info) {
    print_signature(model);
    free(options.inputs);
    return 0;
  }
  if (!options.output_dir) {
    print_error("missing --output-dir DIR (see --help)");
    free(options.inputs);
    return kExitUsage;
  }

  int32_t num_buffers = model->num_inputs + model->num_outputs;
  mbert_npy_array_t *inputs = calloc((size_t)model->num_inputs + 1, sizeof(mbert_npy_array_t));
  void **buffers = calloc((size_t)num_buffers + 1, sizeof(void *));
  void *workspace = NULL;
  bool ok = inputs && buffers;
  if (!ok)
    print_error("out of memory");
  int64_t sequence_length = 0;
  ok = ok && load_inputs(model, &options, inputs, &sequence_length);
  /* Every buffer, even an empty one, gets a valid pointer: generated code may form addresses
   * from it even when it reads or writes nothing. */
  for (int32_t i = 0; ok && i < model->num_inputs; ++i) {
    if (!inputs[i].data &&
        mbert_workspace_alloc(1, MBERT_WORKSPACE_ALIGNMENT, &inputs[i].data) != MBERT_OK) {
      print_error("out of memory");
      ok = false;
    }
    buffers[i] = inputs[i].data;
  }
  for (int32_t i = 0; ok && i < model->num_outputs; ++i) {
    const mbert_tensor_info_t *info = &model->outputs[i];
    int64_t shape[MBERT_NPY_MAX_RANK];
    mbert_tensor_shape_at_length(info, sequence_length, shape);
    uint64_t byte_size = 0;
    mbert_shape_element_count(shape, info->rank, &byte_size);
    byte_size *= mbert_dtype_size(info->dtype);
    if (mbert_workspace_alloc(byte_size ? byte_size : 1, MBERT_WORKSPACE_ALIGNMENT,
                              &buffers[model->num_inputs + i]) != MBERT_OK) {
      print_error("output '%s': cannot allocate %" PRIu64 " bytes", model->outputs[i].name,
                  byte_size);
      ok = false;
    }
  }
  if (ok && mbert_workspace_alloc(model->workspace_size, model->workspace_alignment, &workspace) !=
                MBERT_OK) {
    print_error("cannot allocate a workspace of %" PRIu64 " bytes", model->workspace_size);
    ok = false;
  }
  /* One thread runs on the caller alone: no pool at all. */
  mbert_pool_t *pool = NULL;
  if (ok && options.threads > 1 && mbert_pool_create((int32_t)options.threads, &pool) != MBERT_OK) {
    print_error("cannot start %ld threads", options.threads);
    ok = false;
  }
  ok = ok && run_and_time(model, buffers, sequence_length, workspace, pool, options.warmup,
                          options.iterations);
  mbert_pool_destroy(pool);
  ok = ok && write_outputs(model, options.output_dir, buffers, sequence_length);

  mbert_workspace_free(workspace);
  for (int32_t i = 0; buffers && i < model->num_outputs; ++i)
    mbert_workspace_free(buffers[model->num_inputs + i]);
  for (int32_t i = 0; inputs && i < model->num_inputs; ++i)
    mbert_npy_array_release(&inputs[i]);
  free(buffers);
  free(inputs);
  free(options.inputs);
  return ok ? 0 : kExitFailure;
}
