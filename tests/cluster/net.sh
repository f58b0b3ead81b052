# cluster/net.sh: the cluster test's hosts as network namespaces (sourced
# by tests/cluster.sh; needs root and iproute2). Each host is a namespace
# "$NET_PREFIX-<host>" with a veth pair to a bridge that lives in a switch
# namespace of its own: 10.231.0.0/24 exists only inside them, no address
# or route is added to the machine's own namespace, and nothing can leave.
#   net_up HOST=ADDR...   make the switch and the hosts
#   on HOST CMD...        run CMD on HOST
#   on_bg HOST CMD...     the same in the background; BG is CMD's pid
#   net_kill HOST         SIGKILL every process on HOST (by its pid)
#   net_down              kill what still runs on the hosts, remove them
NET_PREFIX=${NET_PREFIX:-pdc$$}
NET_HOSTS=

# net_up HOST=ADDR...: the switch and one namespace per host, lo up, the
# host's address on eth0.
net_up() {
	sw=$NET_PREFIX-switch
	ip netns add "$sw" || return 1
	ip -n "$sw" link set lo up
	ip -n "$sw" link add br0 type bridge
	ip -n "$sw" link set br0 up
	for spec in "$@"; do
		h=${spec%%=*} a=${spec#*=}
		ip netns add "$NET_PREFIX-$h" || return 1
		NET_HOSTS="$NET_HOSTS $h"
		ip -n "$NET_PREFIX-$h" link set lo up
		ip link add eth0 netns "$NET_PREFIX-$h" type veth peer name "$h" netns "$sw" || return 1
		ip -n "$sw" link set "$h" master br0 up
		ip -n "$NET_PREFIX-$h" addr add "$a/24" dev eth0
		ip -n "$NET_PREFIX-$h" link set eth0 up
	done
}

# on HOST CMD...: run CMD in HOST's namespace.
on() {
	_h=$1
	shift
	ip netns exec "$NET_PREFIX-$_h" "$@"
}

# on_bg HOST CMD...: CMD on HOST in the background, BG its pid (that of
# CMD itself, not of a subshell, so that signals reach it).
on_bg() {
	_h=$1
	shift
	ip netns exec "$NET_PREFIX-$_h" "$@" &
	BG=$!
}

# net_kill HOST: SIGKILL every process in HOST's namespace, as a crash of
# the host would end them.
net_kill() {
	_deadline=$(($(date +%s) + 10))
	while _pids=$(ip netns pids "$NET_PREFIX-$1" 2>/dev/null) && [ -n "$_pids" ] &&
		[ "$(date +%s)" -lt $_deadline ]; do
		for _p in $_pids; do kill -KILL "$_p" 2>/dev/null; done
		sleep 0.05
	done
}

# net_down: whatever still runs on a host is killed; the namespaces go.
net_down() {
	for h in $NET_HOSTS; do
		net_kill "$h"
		ip netns del "$NET_PREFIX-$h" 2>/dev/null
	done
	ip netns del "$NET_PREFIX-switch" 2>/dev/null
	NET_HOSTS=
}
