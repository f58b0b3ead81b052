#!/bin/sh
# layers.sh: dependencies run one way, util <- core <- cmd (DESIGN.md,
# "Style"). A header include/NAME.h belongs to the layer of src/*/NAME.c; no
# source file or header may include a header of a higher layer, and every
# header must belong to a layer. A second run on a copy with one bad include
# in each direction shows that the check can fail.
. "$TEST_SRCDIR/lib.sh"
plan 5

TOP=$TEST_SRCDIR/..

# rank LAYER: 0 util, 1 core, 2 cmd.
rank() {
	case $1 in
	util) echo 0 ;;
	core) echo 1 ;;
	cmd) echo 2 ;;
	*) echo 9 ;;
	esac
}

# header_layer TOP NAME: the layer of include/NAME.h ("" when none).
header_layer() {
	for c in "$1"/src/util/"$2".c "$1"/src/core/"$2".c "$1"/src/cmd/"$2".c; do
		if [ -f "$c" ]; then
			basename "$(dirname "$c")"
			return
		fi
	done
}

# violations TOP: one line per include that goes up, or header with no layer.
violations() {
	for h in "$1"/include/*.h; do
		n=$(basename "$h" .h)
		[ -n "$(header_layer "$1" "$n")" ] || echo "include/$n.h: no src/{util,core,cmd}/$n.c"
	done
	for f in "$1"/src/*/*.c "$1"/include/*.h; do
		case $f in
		*/include/*) n=$(basename "$f" .h); layer=$(header_layer "$1" "$n") ;;
		*) layer=$(basename "$(dirname "$f")") ;;
		esac
		[ -n "$layer" ] || continue
		mine=$(rank "$layer")
		sed -n 's/^#include "\([a-z_0-9]*\)\.h".*/\1/p' "$f" | while read -r inc; do
			[ -f "$1/include/$inc.h" ] || continue
			theirs=$(header_layer "$1" "$inc")
			[ -n "$theirs" ] || continue
			if [ "$(rank "$theirs")" -gt "$mine" ]; then
				echo "${f#"$1"/}: $layer includes $inc.h of $theirs"
			fi
		done
	done
}

out=$(violations "$TOP")
is "$out" "" "no file includes a header of a higher layer"
is "$(ls "$TOP"/src/*.c 2>/dev/null)" "" "every source file lives in src/util, src/core or src/cmd"

# the check itself: a copy with a util file including core and a core file
# including cmd must be caught, twice
copy=$T_DIR/copy
mkdir -p "$copy/src"
cp -R "$TOP/include" "$copy/"
cp -R "$TOP/src/util" "$TOP/src/core" "$TOP/src/cmd" "$copy/src/"
printf '#include "deliver.h"\n' >>"$copy/src/util/log.c"
printf '#include "cmd.h"\n' >>"$copy/include/mail.h"
: >"$copy/include/stray.h"
out=$(violations "$copy")
like "$out" "src/util/log.c: util includes deliver.h of core" "a util file including core is caught"
like "$out" "include/mail.h: core includes cmd.h of cmd" "a core header including cmd is caught"
like "$out" "include/stray.h: no src" "a header of no layer is caught"
finish
