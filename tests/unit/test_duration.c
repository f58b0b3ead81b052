/* test_duration.c: durations and sizes. */
#include "duration.h"
#include "tap.h"

/* Parse text and compare with want seconds (want < 0: must fail). */
static void check(const char *text, long long want)
{
	struct fault f = { 0 };
	long long got = -1;
	int r = duration_parse(text, &got, &f);

	if (want < 0)
		tap_ok(r < 0 && f.kind == FAULT_PERMANENT && f.text[0] != '\0',
		       "'%s' rejected (%s)", text, f.text);
	else
		tap_ok(r == 0 && got == want, "'%s' = %lld s (got %lld)", text, want, got);
}

/* Format seconds and compare with want. */
static void fmt(long long secs, const char *want)
{
	char buf[32];

	duration_format(secs, buf, sizeof(buf));
	tap_is(buf, want, "%lld s formats as %s", secs, want);
}

/* One test: duration_format_size(bytes) is want. */
static void size_fmt(long long bytes, const char *want)
{
	char buf[32];

	duration_format_size(bytes, buf, sizeof(buf));
	tap_is(buf, want, "%lld bytes: %s", bytes, want);
}

int main(void)
{
	struct fault f = { 0 };
	long long n = 0;

	check("30m", 1800);
	check("4h", 14400);
	check("3d", 259200);
	check("2w", 1209600);
	check("1h30m", 5400);
	check("90", 90);
	check("45s", 45);
	check("0", 0);
	check("", -1);
	check("h", -1);
	check("5x", -1);
	check("1h30", -1);
	check("-5m", -1);
	check("99999999999999999999d", -1);
	check("999999999999999w", -1);
	fmt(0, "0s");
	fmt(90, "1m30s");
	fmt(86400 + 4 * 3600, "1d4h");
	fmt(14 * 86400, "2w");
	fmt(10 * 86400, "10d");
	tap_ok(duration_parse_size("10M", &n, &f) == 0 && n == 10485760, "10M = 10485760 bytes");
	tap_ok(duration_parse_size("512k", &n, &f) == 0 && n == 524288, "512k = 524288 bytes");
	tap_ok(duration_parse_size("1000", &n, &f) == 0 && n == 1000, "bare size is bytes");
	tap_ok(duration_parse_size("10MB", &n, &f) < 0, "10MB rejected");
	tap_ok(duration_parse_size("x", &n, &f) < 0, "x rejected");
	size_fmt(0, "0 B");
	size_fmt(1023, "1023 B");
	size_fmt(1024, "1.0 KB");
	size_fmt(1536, "1.5 KB");
	size_fmt(10 * 1024 - 1, "10 KB");	/* 9.999 rounds to 10.0: no "10.0" */
	size_fmt(48213, "47 KB");
	size_fmt(10485760, "10 MB");
	size_fmt(1048575, "1.0 MB");	/* 1023.999 KB */
	size_fmt(3LL * 1024 * 1024 * 1024 + 512LL * 1024 * 1024, "3.5 GB");
	size_fmt(5000LL * 1024 * 1024 * 1024 * 1024, "5000 TB");
	return tap_done();
}
