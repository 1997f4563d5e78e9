#!/usr/bin/env bash
# iperf3 through the site link between two network namespaces, next to (same run, same
# namespaces) the bare veth, userspace WireGuard (wireguard-go) and OpenVPN static-key mode.
# Root only. Debian packages: iproute2 iperf3 wireguard-go wireguard-tools (openvpn optional).
#
#   ./mvnw -q -B -o -pl appliance -am package -DskipTests
#   sudo bench/netns-tunnel-bench.sh [seconds-per-run]
#
# Environment:
#   JAVA=/path/to/java       the JVM for otpi-tunnel (default: java on PATH)
#   RUNS="veth otpi wg ovpn" which tunnels to measure, in this order (default: all found)
#   PAR="1 4"                iperf3 parallel streams per run
#   OTPI_CONF="offload=off"  extra lines for both otpi-tunnel configs (';' separates lines)
#
# For every run it prints Mbit/s, busy cores (from /proc/stat: the whole machine, so other
# load counts too) and per Gbit/s, the CPU the two tunnel processes themselves used (user +
# system time, so the kernel work of their own syscalls counts; iperf3 does not) and per
# Gbit/s, the sender's TCP retransmits (iperf3), and what was
# dropped where: the sender TUN's tx_dropped (a full TUN queue), UDP receive-buffer errors in
# both namespaces, and the kernel's per-CPU backlog drops (/proc/net/softnet_stat).
set -euo pipefail
cd "$(dirname "$0")/.."
T=${1:-8}
PAR=${PAR:-1 4}
RUNS=${RUNS:-veth otpi wg ovpn}
A=otpibA$$; B=otpibB$$; VA=vba$$; VB=vbb$$
WORK=$(mktemp -d /tmp/otpi-netns-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  ip netns pids "$A" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  ip netns pids "$B" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

ip netns add "$A"; ip netns add "$B"
ip link add "$VA" type veth peer name "$VB"
ip link set "$VA" netns "$A"; ip link set "$VB" netns "$B"
ip -n "$A" addr add 10.99.0.1/24 dev "$VA"; ip -n "$B" addr add 10.99.0.2/24 dev "$VB"
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" link set "$VA" up; ip -n "$B" link set "$VB" up

busy() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }
# CPU ticks (user + system, all threads) used so far by the tunnel processes of both ends
ns_ticks() {
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || true
  done | awk '{s += $1} END {print s + 0}'
}
softnet_drops() { python3 -c 'import sys; print(sum(int(l.split()[1], 16) for l in open("/proc/net/softnet_stat")))'; }
nstat_val() { # ns counter
  ip netns exec "$1" nstat -az "$2" 2>/dev/null | awk -v c="$2" '$1 == c {print $2}' | head -1
}
tun_txdrop() { # ns dev
  [ -n "$2" ] || { echo 0; return; }
  ip -n "$1" -s -j link show dev "$2" 2>/dev/null \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["dropped"])' 2>/dev/null || echo 0
}
run() { # label server-address sender-tun-dev
  local label=$1 addr=$2 dev=${3:-} hz; hz=$(getconf CLK_TCK)
  for par in $PAR; do
    ip netns exec "$B" iperf3 -s -1 -B "$addr" >/dev/null 2>&1 &
    local srv=$!; sleep 0.5
    local b0 d0 ua0 ub0 s0 n0 n1
    b0=$(busy); n0=$(ns_ticks); d0=$(tun_txdrop "$A" "$dev"); s0=$(softnet_drops)
    ua0=$(nstat_val "$A" UdpRcvbufErrors); ub0=$(nstat_val "$B" UdpRcvbufErrors)
    local json; json=$(ip netns exec "$A" iperf3 -c "$addr" -t "$T" -P "$par" -J 2>/dev/null || true)
    local b1 d1 ua1 ub1 s1
    b1=$(busy); n1=$(ns_ticks); d1=$(tun_txdrop "$A" "$dev"); s1=$(softnet_drops)
    ua1=$(nstat_val "$A" UdpRcvbufErrors); ub1=$(nstat_val "$B" UdpRcvbufErrors)
    wait "$srv" 2>/dev/null || true
    echo "$json" | python3 -c '
import json,sys
label, par, busy, hz, t = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
drops, nst = sys.argv[6], float(sys.argv[7])
try:
    end = json.load(sys.stdin)["end"]
    bps = end["sum_received"]["bits_per_second"]
    retr = end["sum_sent"].get("retransmits", -1)
except Exception:
    print(f"{label:<34} -P {par}: failed"); sys.exit(0)
cores = busy / hz / t
ns = nst / hz / t
print(f"{label:<34} -P {par}: {bps/1e6:8.1f} Mbit/s  {cores:4.2f} busy cores ({cores/(bps/1e9):5.2f}/Gbit/s)  tunnels {ns:4.2f} cores ({ns/(bps/1e9):5.2f}/Gbit/s)  retransmits {retr:>6}  {drops}")
' "$label" "$par" "$((b1 - b0))" "$hz" "$T" \
      "drops: tun-tx $((d1 - d0)) udp-rcvbuf A $(( ${ua1:-0} - ${ua0:-0} )) B $(( ${ub1:-0} - ${ub0:-0} )) backlog $((s1 - s0))" "$((n1 - n0))"
  done
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), ${T}s per run, $(uname -r)"
for what in $RUNS; do
  case $what in
  veth)
    run "bare veth" 10.99.0.2 ;;
  otpi)
    CP="appliance/target/otpi-appliance-0.1.0-SNAPSHOT.jar:appliance/target/lib/*"
    head -c $((120 * 200000)) /dev/urandom > "$WORK/a.psk"; cp "$WORK/a.psk" "$WORK/b.psk"
    for side in a b; do
      if [ $side = a ]; then role=initiator; l=10.99.0.1:7000; p=10.99.0.2:7000; t=10.0.0.1/24; id=00000000000000a1
      else role=responder; l=10.99.0.2:7000; p=10.99.0.1:7000; t=10.0.0.2/24; id=00000000000000b2; fi
      printf 'role=%s\nlocal.address=%s\npeer.address=%s\ntun.name=otpb%s%s\ntun.address=%s\nkey.file=%s\nstate.dir=%s\nhandshake=on\nidentity.id=%s\n' \
        $role $l $p $side $$ $t "$WORK/$side.psk" "$WORK/state-$side" $id > "$WORK/$side.conf"
      echo "${OTPI_CONF:-}" | tr ';' '\n' >> "$WORK/$side.conf"
    done
    JAVA=${JAVA:-java}
    for side in b a; do
      ns=$A; [ $side = b ] && ns=$B
      ip netns exec "$ns" "$JAVA" -Dtinylog.writer=console -Dtinylog.writer.level=info -cp "$CP" \
        org.otpi.appliance.tunnel.TunnelMain --config "$WORK/$side.conf" > "$WORK/$side.log" 2>&1 &
      PIDS+=($!)
    done
    for i in $(seq 1 60); do ip netns exec "$A" ping -c1 -W1 10.0.0.2 >/dev/null 2>&1 && break; sleep 0.5; done
    # JIT warm-up (the other peers are native code): 15 s of traffic before measuring
    ip netns exec "$B" iperf3 -s -1 -B 10.0.0.2 >/dev/null 2>&1 &
    warm=$!; sleep 0.5
    ip netns exec "$A" iperf3 -c 10.0.0.2 -t 15 -P 2 >/dev/null 2>&1 || true; wait "$warm" 2>/dev/null || true
    jv=$("$JAVA" -version 2>&1 | head -1 | cut -d'"' -f2)
    aead=$(grep -ho "AEAD engine: [^(]*" "$WORK/a.log" | head -1 | cut -d' ' -f3- | tr -d ' ' || true)
    run "otpi-tunnel (java $jv, $aead)" 10.0.0.2 "otpba$$"
    grep -h "offloads\|tunnel stats" "$WORK/a.log" "$WORK/b.log" 2>/dev/null | grep -v "^$" | tail -4 | sed "s/.*tunnel stats: /stats: /" | cut -c1-400 || true
    kill -TERM "${PIDS[@]}"; wait "${PIDS[@]}" 2>/dev/null || true; PIDS=() ;;
  ovpn)
    command -v openvpn >/dev/null || continue
    openvpn --genkey secret "$WORK/ovpn.key" 2>/dev/null
    common=(--dev-type tun --secret "$WORK/ovpn.key" --cipher AES-256-CBC --tun-mtu 1400 --sndbuf 4194304 --rcvbuf 4194304 --verb 1)
    ip netns exec "$A" openvpn --dev ovpa --ifconfig 10.0.1.1 10.0.1.2 --local 10.99.0.1 --remote 10.99.0.2 "${common[@]}" > "$WORK/ovpn-a.log" 2>&1 &
    PIDS+=($!)
    ip netns exec "$B" openvpn --dev ovpb --ifconfig 10.0.1.2 10.0.1.1 --local 10.99.0.2 --remote 10.99.0.1 "${common[@]}" > "$WORK/ovpn-b.log" 2>&1 &
    PIDS+=($!)
    for i in $(seq 1 60); do ip netns exec "$A" ping -c1 -W1 10.0.1.2 >/dev/null 2>&1 && break; sleep 0.5; done
    run "OpenVPN static key" 10.0.1.2 ovpa
    kill -TERM "${PIDS[@]}"; wait "${PIDS[@]}" 2>/dev/null || true; PIDS=() ;;
  wg)
    command -v wireguard-go >/dev/null && command -v wg >/dev/null || continue
    ka=$(wg genkey); kb=$(wg genkey); pa=$(echo "$ka" | wg pubkey); pb=$(echo "$kb" | wg pubkey)
    for side in a b; do
      ns=$A; [ $side = b ] && ns=$B
      ip netns exec "$ns" sh -c "mount -t tmpfs x /run/wireguard 2>/dev/null || { mkdir -p /run/wireguard && mount -t tmpfs x /run/wireguard; }; exec wireguard-go -f wg$side$$" > "$WORK/wg-$side.log" 2>&1 &
      PIDS+=($!)
    done
    sleep 1
    wpa=$(pgrep -f "wireguard-go -f wga$$" | head -1); wpb=$(pgrep -f "wireguard-go -f wgb$$" | head -1)
    echo "$ka" > "$WORK/ka"; echo "$kb" > "$WORK/kb"
    nsenter -t "$wpa" -m -n wg set "wga$$" private-key "$WORK/ka" listen-port 51820 peer "$pb" endpoint 10.99.0.2:51820 allowed-ips 10.0.2.2/32
    nsenter -t "$wpb" -m -n wg set "wgb$$" private-key "$WORK/kb" listen-port 51820 peer "$pa" endpoint 10.99.0.1:51820 allowed-ips 10.0.2.1/32
    ip -n "$A" addr add 10.0.2.1/24 dev "wga$$"; ip -n "$A" link set "wga$$" mtu 1420 up
    ip -n "$B" addr add 10.0.2.2/24 dev "wgb$$"; ip -n "$B" link set "wgb$$" mtu 1420 up
    for i in $(seq 1 60); do ip netns exec "$A" ping -c1 -W1 10.0.2.2 >/dev/null 2>&1 && break; sleep 0.5; done
    run "wireguard-go $(wireguard-go --version 2>/dev/null | grep -o 'v[0-9.]*' | head -1)" 10.0.2.2 "wga$$"
    kill -TERM "${PIDS[@]}"; wait "${PIDS[@]}" 2>/dev/null || true; PIDS=() ;;
  esac
done
