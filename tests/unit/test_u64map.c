/*
 * test_u64map: the one 64-bit hash map (base/u64map.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/u64map.h"

/* A missing key is NULL; put adds it once, as 0, and get then finds it. */
static void test_put_get(void **state)
{
	struct u64map m = U64MAP_INIT;
	bool added;
	uint64_t *v;

	assert_null(u64map_get(&m, 7));
	v = u64map_put(&m, 7, &added);
	assert_non_null(v);
	assert_true(added);
	assert_int_equal(*v, 0);
	*v = 42;
	v = u64map_put(&m, 7, &added);
	assert_false(added);
	assert_int_equal(*v, 42);
	assert_int_equal(*u64map_get(&m, 7), 42);
	assert_int_equal(m.count, 1);
	u64map_release(&m);
	assert_null(u64map_get(&m, 7));
}

/* Key 0 (a free slot inside the table) is a key like any other. */
static void test_zero_key(void **state)
{
	struct u64map m = U64MAP_INIT;
	bool added;

	assert_null(u64map_get(&m, 0));
	*u64map_put(&m, 0, &added) = 5;
	assert_true(added);
	assert_int_equal(*u64map_get(&m, 0), 5);
	assert_null(u64map_get(&m, 1));
	u64map_release(&m);
}

static int sum(void *ctx, uint64_t key, uint64_t val)
{
	uint64_t *s = ctx;

	assert_int_equal(val, key * 3);
	*s += key;
	return 0;
}

/* Many keys survive growth; each visits once. */
static void test_grow_each(void **state)
{
	struct u64map m = U64MAP_INIT;
	uint64_t total = 0, want = 0;

	for (uint64_t k = 0; k < 100000; k++) {
		*u64map_put(&m, k << 12, NULL) = (k << 12) * 3;
		want += k << 12;
	}
	assert_int_equal(m.count, 100000);
	assert_true(m.count * 2 <= m.cap);
	for (uint64_t k = 0; k < 100000; k += 997)
		assert_int_equal(*u64map_get(&m, k << 12), (k << 12) * 3);
	assert_null(u64map_get(&m, 1));
	assert_int_equal(u64map_each(&m, sum, &total), 0);
	assert_int_equal(total, want);
	u64map_release(&m);
}

static int stop_at_first(void *ctx, uint64_t key, uint64_t val)
{
	(*(int *)ctx)++;
	return -3;
}

/* each stops at the first non-zero result and returns it. */
static void test_each_stops(void **state)
{
	struct u64map m = U64MAP_INIT;
	int calls = 0;

	u64map_put(&m, 1, NULL);
	u64map_put(&m, 2, NULL);
	assert_int_equal(u64map_each(&m, stop_at_first, &calls), -3);
	assert_int_equal(calls, 1);
	u64map_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get),
		cmocka_unit_test(test_zero_key),
		cmocka_unit_test(test_grow_each),
		cmocka_unit_test(test_each_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
