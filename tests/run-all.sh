#!/bin/bash
# run-all.sh: the whole test suite from a clean clone. Installs missing
# Debian packages (tests/deps.sh), builds out of tree and runs "make check".
#   tests/run-all.sh               build in build/, run make check
#   tests/run-all.sh --sanitize    build in build-asan/ with ASan+UBSan, make check
#   tests/run-all.sh --valgrind    build in build/, run the unit tests under valgrind
#   tests/run-all.sh --cluster     build in build/, run make check-cluster (root:
#                                  tests/cluster.sh, network namespaces)
#   tests/run-all.sh --build-only  build in build/ and stop (used by the demo)
#   tests/run-all.sh --fuzz        build the fuzz targets in build-fuzz/ (clang) and
#                                  run each for FUZZ_SECONDS (20) seconds: fuzz/run.sh
# Exits 0 when every test passed. The automake summary of each run stays in
# build/test-suite.log, build-asan/test-suite.log, build/test-suite-valgrind.log,
# build-fuzz/fuzz-suite.log, build/cluster-suite.log.
set -eu

usage() {
	echo "usage: tests/run-all.sh [--sanitize | --valgrind | --build-only | --fuzz]" >&2
	exit 64
}

mode=check
[ $# -le 1 ] || usage
case ${1:-} in
'') ;;
--sanitize) mode=sanitize ;;
--valgrind) mode=valgrind ;;
--cluster) mode=cluster ;;
--build-only) mode=build ;;
--fuzz) mode=fuzz ;;
-h | --help) sed -n '2,14p' "$0"; exit 0 ;;
*) usage ;;
esac

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
start=$SECONDS

# step TEXT: say what happens next, with the seconds spent so far.
step() {
	echo
	echo "==> [$((SECONDS - start))s] $*"
}

# summary LOG: the "# PASS:" ... lines of an automake test-suite log.
summary() {
	grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' "$1" || true
}

step "packages"
sh tests/deps.sh

# Generate configure only when it is missing or older than its sources.
if [ ! -x configure ] || [ ! -f Makefile.in ] || [ ! -f build-aux/tap-driver.sh ] ||
	[ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
	step "autoreconf -fi"
	timeout -k 10 300 autoreconf -fi
fi

if [ "$mode" = fuzz ]; then
	# a short pass: the targets' own build and runs (fuzz/run.sh)
	step "fuzz/run.sh build-fuzz ${FUZZ_SECONDS:-20}"
	exec bash fuzz/run.sh "$top/build-fuzz" "${FUZZ_SECONDS:-20}"
fi

if [ "$mode" = sanitize ]; then
	build="build-asan"
	configure_args=--enable-sanitizers
else
	build=build
	configure_args=
fi
mkdir -p "$build"
if [ ! -f "$build/Makefile" ]; then
	step "configure${configure_args:+ $configure_args} (in $build/)"
	# shellcheck disable=SC2086 # empty or one word
	(cd "$build" && timeout -k 10 300 ../configure $configure_args)
fi

step "make -j2 (in $build/)"
timeout -k 10 600 make -C "$build" -j2

if [ "$mode" = build ]; then
	step "built $build/postdesk"
	exit 0
fi

suite_log=test-suite.log
case $mode in
sanitize)
	# LeakSanitizer works in this container (checked), so leaks count.
	# exitcode=23 keeps an ASan report apart from postdesk's own exit 1.
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=23}
	# the unit tests' complexity deadlines (tap_within) stretched for ASan
	export TAP_TIME_SCALE=10
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	step "make -j2 check (in $build/, ASAN_OPTIONS=$ASAN_OPTIONS)"
	;;
valgrind)
	# The unit test programs, as Makefile.am lists them (UNIT_TESTS).
	# shellcheck disable=SC2016 # $(...) is for make, not the shell
	unit=$(printf 'print-unit:\n\t@echo $(UNIT_TESTS)\n' |
		make -s -C "$build" -f Makefile -f - print-unit)
	if [ -z "$unit" ]; then
		echo "run-all.sh: no UNIT_TESTS in $build/Makefile" >&2
		exit 1
	fi
	# GLib and GMime keep "still reachable" memory on purpose: only
	# definite leaks and memory errors count.
	export G_SLICE=always-malloc G_DEBUG=gc-friendly
	# the unit tests' complexity deadlines (tap_within) stretched for valgrind
	export TAP_TIME_SCALE=60
	suite_log=test-suite-valgrind.log
	vg="valgrind --leak-check=full --show-leak-kinds=definite"
	vg="$vg --errors-for-leak-kinds=definite --error-exitcode=1"
	vg="$vg --suppressions=$top/tests/valgrind.supp"
	step "unit tests under valgrind (in $build/): $unit"
	;;
cluster)
	suite_log=cluster-suite.log
	step "make check-cluster (in $build/)"
	;;
*)
	step "make -j2 check (in $build/)"
	;;
esac

# A stale log must not be mistaken for this run's result.
rm -f "$build/$suite_log"
status=0
# Watchdog: make deletes the log of a test it is killed in, so just before
# the deadline show what the unfinished tests had printed, and their processes.
# Stopping it (TERM) ends its sleep too and prints nothing.
(
	trap 'kill "$nap" 2>/dev/null; exit 0' TERM
	sleep 470 </dev/null >/dev/null 2>&1 &
	nap=$!
	wait "$nap"
	for log in "$build"/tests/*.log "$build"/tests/unit/*.log; do
		[ -f "$log" ] && [ ! -f "${log%.log}.trs" ] || continue
		echo "run-all.sh: still running after 470s: $log; its last lines:"
		tail -n 20 "$log"
	done
	ps -eo pid,ppid,etimes,stat,args | grep -e postdesk -e smtp -e 'tests/' | grep -v grep
) &
watchdog=$!
if [ "$mode" = valgrind ]; then
	timeout -k 10 480 make -C "$build" -j2 check "TESTS=$unit" \
		"TEST_SUITE_LOG=$suite_log" "LOG_COMPILER=$vg" || status=$?
elif [ "$mode" = cluster ]; then
	# its budget is 4 minutes; the test tears its hosts down when killed
	timeout -k 10 300 make -C "$build" check-cluster || status=$?
else
	timeout -k 10 480 make -C "$build" -j2 check || status=$?
fi
kill "$watchdog" 2>/dev/null || true
wait "$watchdog" 2>/dev/null || true
# The DB tests stop their cluster; make sure of it when they were cut short.
sh tests/pg.sh stop "$top/$build/tests" >/dev/null 2>&1 || true

if [ ! -f "$build/$suite_log" ]; then
	step "FAILED: make check ended with exit $status and no summary; see $build/tests/*.log"
	exit 1
fi
if [ "$status" -ne 0 ]; then
	step "FAILED: the logs of the failing tests ($build/$suite_log):"
	cat "$build/$suite_log"
	echo
	echo "run-all.sh: $mode run FAILED; summary:"
	summary "$build/$suite_log"
	exit 1
fi
step "$mode run passed; summary ($build/$suite_log):"
summary "$build/$suite_log"
