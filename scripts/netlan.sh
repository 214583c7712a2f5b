#!/usr/bin/env bash
# netlan.sh: a private LAN of network namespaces for benchmarks and tests (see docs/benchmark.md).
#
# A "switch" namespace holds a bridge (multicast snooping off); host 0 (the sender) and hosts 1..N
# (receivers) each live in their own namespace with one veth to the bridge. Nothing is ever created
# in, or sent on, the caller's own network namespace: every link is created inside the switch
# namespace and its peer is moved straight into a host namespace.
#
#   netlan.sh up    --prefix P --receivers N [--rate R] [--loss L] [--slow I:RATE]
#   netlan.sh down  --prefix P
#   netlan.sh check
#
# Names (P must start with "mc", e.g. mcb1234):
#   namespaces  P-sw (switch), P-h0 (sender), P-h1 .. P-hN (receivers)
#   links       mcbr0 (bridge, in P-sw); mcpI (bridge port, in P-sw) <-> mcvI (in P-hI)
#   addresses   198.18.0.(I+1)/24 brd + on mcvI; routes 224.0.0.0/4 and default on mcvI
# Shaping:
#   --rate R      tbf on mcv0 (the sender's uplink), e.g. 100mbit (this kernel has no netem)
#   --loss L      independent random loss per receiver, e.g. 0.01 = 1 %: an nftables rule on the
#                 receiver's input hook, so it drops what arrives and never the receiver's feedback
#   --slow I:R    tbf on receiver I's bridge port (mcpI), i.e. a slower link to that receiver only
# `up` either finishes or removes everything it made; `down` removes every P-* namespace, also after a
# crash. Exit codes: 0 ok, 1 failure, 2 usage or missing tools.
set -euo pipefail

usage() {
  sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

die() { echo "netlan: $*" >&2; exit 1; }

check_tools() {
  local missing=()
  command -v ip >/dev/null || missing+=(iproute2)
  command -v tc >/dev/null || missing+=(iproute2)
  command -v nft >/dev/null || missing+=(nftables)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "netlan: missing tools; install them with: apt-get install -y $(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')" >&2
    exit 2
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "netlan: must run as root (ip netns needs it)" >&2
    exit 2
  fi
}

valid_prefix() {
  [[ "$1" =~ ^mc[a-z0-9]{1,10}$ ]] || { echo "netlan: --prefix must match ^mc[a-z0-9]{1,10}\$ (got '$1')" >&2; exit 2; }
}

# Removes every namespace named PREFIX-*. Deleting a namespace destroys the veths and bridge inside it.
down() {
  local prefix=$1 ns
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^${prefix}-" || true); do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns delete "$ns" 2>/dev/null || true
  done
  if ip netns list | awk '{print $1}' | grep -qE "^${prefix}-"; then
    die "could not remove all namespaces of $prefix"
  fi
}

# Runs sysctls that keep the namespace quiet: no IPv6 (no DAD, no router solicitations on the wire).
quiet_ns() {
  ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
}

up() {
  local prefix=$1 n=$2 rate=$3 loss=$4 slow=$5
  local sw="$prefix-sw" i ns
  if ip netns list | awk '{print $1}' | grep -qE "^${prefix}-"; then
    die "namespaces with prefix $prefix already exist; run: $0 down --prefix $prefix"
  fi
  trap 'status=$?; if [ $status -ne 0 ]; then echo "netlan: setup failed, tearing down $prefix" >&2; down "$prefix"; fi' EXIT
  trap 'exit 130' INT TERM

  ip netns add "$sw"
  quiet_ns "$sw"
  ip -n "$sw" link set lo up
  ip -n "$sw" link add mcbr0 type bridge mcast_snooping 0 stp_state 0 forward_delay 0
  # A switch does not filter: where br_netfilter is loaded (e.g. by a container runtime), bridged
  # frames would also pass the IP hooks once per port, a cost no real LAN has (~18 % of the sender's
  # CPU at N = 16 here, where the fan-out runs in the sender's softirq). The settings are per
  # namespace; the host's stay as they are.
  ip netns exec "$sw" sh -c 'if [ -d /proc/sys/net/bridge ]; then for f in /proc/sys/net/bridge/bridge-nf-call-*; do echo 0 > "$f"; done; fi'
  ip -n "$sw" link set mcbr0 up

  for ((i = 0; i <= n; i++)); do
    ns="$prefix-h$i"
    ip netns add "$ns"
    quiet_ns "$ns"
    ip -n "$ns" link set lo up
    ip -n "$sw" link add "mcp$i" type veth peer name "mcv$i" netns "$ns"
    ip -n "$sw" link set "mcp$i" master mcbr0
    ip -n "$sw" link set "mcp$i" up
    ip -n "$ns" addr add "198.18.0.$((i + 1))/24" brd + dev "mcv$i"
    ip -n "$ns" link set "mcv$i" up
    ip -n "$ns" route add 224.0.0.0/4 dev "mcv$i"
    ip -n "$ns" route add default dev "mcv$i"
  done

  if [ -n "$rate" ]; then
    tc -n "$prefix-h0" qdisc add dev mcv0 root tbf rate "$rate" burst 64kb latency 200ms
  fi

  if [ -n "$loss" ]; then
    local threshold
    threshold=$(awk -v l="$loss" 'BEGIN { if (l < 0 || l > 1) exit 1; printf "%d", l * 10000 + 0.5 }') || die "--loss must be a fraction between 0 and 1 (got $loss)"
    if [ "$threshold" -gt 0 ]; then
      for ((i = 1; i <= n; i++)); do
        ip netns exec "$prefix-h$i" nft -f - <<EOF
table inet mcloss {
  chain input {
    type filter hook input priority -300; policy accept;
    numgen random mod 10000 < $threshold counter drop
  }
}
EOF
      done
    fi
  fi

  if [ -n "$slow" ]; then
    local idx=${slow%%:*} srate=${slow#*:}
    [[ "$idx" =~ ^[0-9]+$ ]] && [ "$idx" -ge 1 ] && [ "$idx" -le "$n" ] && [ -n "$srate" ] && [ "$srate" != "$slow" ] \
      || die "--slow must be I:RATE with 1 <= I <= $n (got $slow)"
    tc -n "$sw" qdisc add dev "mcp$idx" root tbf rate "$srate" burst 64kb latency 200ms
  fi

  # Wait until every host's link is up (veth carrier) so the first datagrams are not lost.
  for ((i = 0; i <= n; i++)); do
    local tries=0
    until ip -n "$prefix-h$i" -o link show "mcv$i" | grep -q 'state UP'; do
      tries=$((tries + 1))
      [ $tries -lt 100 ] || die "mcv$i in $prefix-h$i did not come up"
      sleep 0.05
    done
  done
  trap - EXIT INT TERM
}

cmd=${1:-}
[ -n "$cmd" ] || usage
shift
prefix='' n='' rate='' loss='' slow=''
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=${2:?}; shift 2 ;;
    --receivers) n=${2:?}; shift 2 ;;
    --rate) rate=${2:?}; shift 2 ;;
    --loss) loss=${2:?}; shift 2 ;;
    --slow) slow=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "netlan: unknown argument $1" >&2; usage ;;
  esac
done

case "$cmd" in
  check) check_tools; echo "netlan: ip, tc and nft present; running as root" ;;
  up)
    check_tools
    valid_prefix "$prefix"
    [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 250 ] || { echo "netlan: --receivers must be 1..250" >&2; exit 2; }
    up "$prefix" "$n" "$rate" "$loss" "$slow"
    ;;
  down)
    check_tools
    valid_prefix "$prefix"
    down "$prefix"
    ;;
  -h|--help|help) usage ;;
  *) echo "netlan: unknown command $cmd" >&2; usage ;;
esac
