/* The runtime's C unit tests share this: CHECK counts failed checks instead of stopping, and
 * run_unit_tests runs a table of tests, printing a line per test and the closing
 * "N passed, M failed" that CI reads. Header-only: each test program includes it once.
 *
 * usage of a test program: NAME SCRATCH_DIR (created if missing, for files the tests write) */
#ifndef MBERT_TEST_UNIT_TEST_HARNESS_H_
#define MBERT_TEST_UNIT_TEST_HARNESS_H_

#include <stdio.h>
#include <sys/stat.h>

static int g_failed_checks;
static const char *g_scratch_dir;

#define CHECK(condition)                                                                        \
  do {                                                                                          \
    if (!(condition)) {                                                                         \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition);            \
      ++g_failed_checks;                                                                        \
    }                                                                                           \
  } while (0)

typedef struct unit_test_t {
  const char *name;
  void (*run)(void);
} unit_test_t;

/* Runs `count` tests; exits 2 on a usage error, 1 when any check failed. */
static int run_unit_tests(int argc, char **argv, const unit_test_t *tests, size_t count) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
    return 2;
  }
  g_scratch_dir = argv[1];
  mkdir(g_scratch_dir, 0777);
  int passed = 0, failed = 0;
  for (size_t i = 0; i < count; ++i) {
    int failures_before = g_failed_checks;
    tests[i].run();
    int ok = g_failed_checks == failures_before;
    printf("%s %s\n", ok ? "PASS" : "FAIL", tests[i].name);
    ok ? ++passed : ++failed;
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

#endif /* MBERT_TEST_UNIT_TEST_HARNESS_H_ */
