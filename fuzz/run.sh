#!/bin/bash
# run.sh: runs each libFuzzer target of fuzz/ for a bounded time.
#   fuzz/run.sh [BUILD-DIR [SECONDS]]
# BUILD-DIR (default: build-fuzz/ in the source tree) is configured with clang
# and --enable-fuzz when it has no Makefile yet, and the targets are built
# there ("make fuzz-targets"). Each then runs SECONDS (default $FUZZ_SECONDS,
# else 60) under ASan, LeakSanitizer and UBSan, from its seeds (the test
# fixtures, the shipped templates, fuzz/corpus/NAME/) and what earlier runs
# found (BUILD-DIR/fuzz-corpus/NAME/, the only corpus written), with
# -timeout=10 (a slow input fails: every parser on the deliver path must be
# linear) and -rss_limit_mb=2048. A crash, timeout, leak, sanitizer report or
# broken invariant fails the target and keeps its input as
# BUILD-DIR/artifacts/TARGET-KIND-SHA1 (rerun: BUILD-DIR/fuzz/TARGET FILE).
# Prints one line per target and writes them to BUILD-DIR/fuzz-suite.log with
# automake's "# PASS: N" / "# FAIL: N" lines; exits 1 when any target failed.
# Packages: clang-14 libclang-rt-14-dev llvm-14 (tests/deps.sh installs them).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build-fuzz}
seconds=${2:-${FUZZ_SECONDS:-}}
seconds=${seconds:-60}
case $seconds in
'' | *[!0-9]*)
	echo "usage: fuzz/run.sh [BUILD-DIR [SECONDS]]" >&2
	exit 64
	;;
esac
mkdir -p "$build"
build=$(cd "$build" && pwd)
suite=$build/fuzz-suite.log
# a stale summary must not be taken for this run's (the build may fail)
rm -f "$suite"

# The targets: NAME MAX_LEN DICTIONARY SEED-DIR... (paths from the source tree).
targets=(
	"fuzz_mail 65536 fuzz/dict/mail.dict tests/fixtures"
	"fuzz_html 65536 fuzz/dict/html.dict fuzz/corpus/html tests/fixtures/html"
	"fuzz_quote 16384 fuzz/dict/quote.dict fuzz/corpus/quote"
	"fuzz_template 16384 fuzz/dict/template.dict templates/en templates/pl templates/cs templates/ms"
	"fuzz_token 256 - fuzz/corpus/token"
	"fuzz_langguess 65536 - templates/en templates/pl templates/cs templates/ms fuzz/corpus/quote"
)

# Generate configure only when it is missing or older than its sources.
if [ ! -x "$top/configure" ] || [ "$top/configure.ac" -nt "$top/configure" ] ||
	[ "$top/Makefile.am" -nt "$top/configure" ]; then
	echo "fuzz/run.sh: autoreconf -fi"
	(cd "$top" && timeout -k 10 300 autoreconf -fi)
fi
if [ ! -f "$build/Makefile" ]; then
	cc=${FUZZ_CC:-}
	if [ -z "$cc" ]; then
		cc=clang
		! command -v clang-14 >/dev/null 2>&1 || cc=clang-14
	fi
	echo "fuzz/run.sh: configure CC=$cc --enable-fuzz (in $build/)"
	(cd "$build" && timeout -k 10 300 "$top/configure" CC="$cc" --enable-fuzz) >"$build/configure.out" 2>&1 || {
		tail -n 20 "$build/configure.out"
		echo "fuzz/run.sh: configure failed ($build/config.log)" >&2
		exit 1
	}
fi
echo "fuzz/run.sh: make fuzz-targets (in $build/)"
timeout -k 10 900 make -s -C "$build" -j2 fuzz-targets

# The sanitizers' settings: every report stops the run with an exit code;
# GLib's slice allocator goes through malloc, so leaks show. ASan's strstr
# checks the whole haystack on every call, which makes g_strsplit() (quote
# trimming, agent commands, delivery reports) quadratic under ASan only
# (a 370 KB report: 5 s, against 7 ms without ASan): it is left out, so that
# a timeout means the code, not the sanitizer.
symbolizer=
for s in /usr/lib/llvm-14/bin/llvm-symbolizer "$(command -v llvm-symbolizer || true)"; do
	[ -n "$s" ] && [ -x "$s" ] && symbolizer=$s && break
done
export ASAN_OPTIONS="detect_leaks=1:intercept_strstr=0:allocator_may_return_null=0:symbolize=1${symbolizer:+:external_symbolizer_path=$symbolizer}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:symbolize=1"
export G_SLICE=always-malloc G_DEBUG=gc-friendly

# kind LOG: what stopped a failed run, from its log.
kind() {
	if grep -q 'ERROR: libFuzzer: timeout' "$1"; then echo "timeout (over 10 s for one input)"
	elif grep -q 'ERROR: LeakSanitizer' "$1"; then echo "leak"
	elif grep -q 'ERROR: libFuzzer: out-of-memory' "$1"; then echo "out of memory (over 2048 MB)"
	elif grep -q 'ERROR: AddressSanitizer' "$1"; then echo "AddressSanitizer: $(sed -n 's/.*ERROR: AddressSanitizer: \([^ ]*\).*/\1/p' "$1" | head -n 1)"
	elif grep -q 'runtime error:' "$1"; then echo "UBSan: $(grep -m 1 'runtime error:' "$1" | sed 's/.*runtime error: //')"
	elif grep -q 'invariant broken' "$1"; then grep -m 1 'invariant broken' "$1"
	elif grep -q 'ERROR: libFuzzer' "$1"; then grep -m 1 'ERROR: libFuzzer' "$1" | sed 's/.*ERROR: libFuzzer: //'
	else echo "exit $2 (see the log)"
	fi
}

mkdir -p "$build/artifacts" "$build/fuzz-corpus"
passed=0
failed=0
begin=$SECONDS
for t in "${targets[@]}"; do
	read -r name maxlen dict seeds <<<"$t"
	bin=$build/fuzz/$name
	log=$build/fuzz/$name.log
	corpus=$build/fuzz-corpus/$name
	mkdir -p "$corpus"
	args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$maxlen"
		-print_final_stats=1 -artifact_prefix="$build/artifacts/$name-")
	[ "$dict" = - ] || args+=(-dict="$top/$dict")
	dirs=("$corpus")
	for s in $seeds; do
		dirs+=("$top/$s")
	done
	rc=0
	# the outer bound only matters when libFuzzer itself hangs
	timeout -k 10 $((seconds + 120)) "$bin" "${args[@]}" "${dirs[@]}" </dev/null >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' "$log" | tail -n 1)
	inputs=$(find "$corpus" -type f | wc -l)
	figures="${execs:-?} execs (${rate:-?}/s), corpus ${inputs} inputs, cov ${cov:-?}"
	if [ "$rc" -eq 0 ]; then
		line="PASS: $name: ${seconds}s, $figures"
		passed=$((passed + 1))
	else
		artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
		line="FAIL: $name: $(kind "$log" "$rc"); input ${artifact:-none written}; log $log; $figures"
		failed=$((failed + 1))
		echo "--- $name: the end of $log"
		tail -n 60 "$log"
		echo "--- rerun: ASAN_OPTIONS=fast_unwind_on_malloc=0 $bin ${artifact:-INPUT}"
	fi
	echo "$line"
	echo "$line" >>"$suite"
done
{
	echo "# TOTAL: $((passed + failed))"
	echo "# PASS: $passed"
	echo "# FAIL: $failed"
} >>"$suite"
echo "fuzz/run.sh: $passed passed, $failed failed, $((SECONDS - begin))s for ${#targets[@]} targets (summary in $suite)"
[ "$failed" -eq 0 ]
