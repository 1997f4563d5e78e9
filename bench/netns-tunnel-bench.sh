#!/usr/bin/env bash
# iperf3 through the site link between two network namespaces, next to (same run, same
# namespaces) the bare veth, OpenVPN static-key mode and userspace WireGuard (wireguard-go).
# Root only. Debian packages: iproute2 iperf3 openvpn wireguard-go wireguard-tools.
#
#   ./mvnw -q -B -o -pl appliance -am install -DskipTests
#   sudo bench/netns-tunnel-bench.sh [seconds-per-run]
#
# Prints Mbit/s for a single stream and -P 4, and busy cores per Gbit/s (from /proc/stat: the
# whole machine, so other load counts too).
set -euo pipefail
cd "$(dirname "$0")/.."
T=${1:-8}
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
run() { # label server-address
  local label=$1 addr=$2 hz; hz=$(getconf CLK_TCK)
  for par in 1 4; do
    ip netns exec "$B" iperf3 -s -1 -B "$addr" >/dev/null 2>&1 &
    local srv=$!; sleep 0.5
    local b0; b0=$(busy)
    local json; json=$(ip netns exec "$A" iperf3 -c "$addr" -t "$T" -P "$par" -J 2>/dev/null || true)
    local b1; b1=$(busy)
    wait "$srv" 2>/dev/null || true
    echo "$json" | python3 -c '
import json,sys
label, par, busy, hz, t = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
try:
    bps = json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]
except Exception:
    print(f"{label:<22} -P {par}: failed"); sys.exit(0)
cores = busy / hz / t
print(f"{label:<22} -P {par}: {bps/1e6:8.1f} Mbit/s   {cores:4.2f} busy cores   {cores/(bps/1e9):5.2f} cores per Gbit/s")
' "$label" "$par" "$((b1 - b0))" "$hz" "$T"
  done
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), ${T}s per run"
run "bare veth" 10.99.0.2

# --- otpi-tunnel ---
CP="appliance/target/otpi-appliance-0.1.0-SNAPSHOT.jar:appliance/target/lib/*"
head -c $((120 * 200000)) /dev/urandom > "$WORK/a.psk"; cp "$WORK/a.psk" "$WORK/b.psk"
for side in a b; do
  if [ $side = a ]; then role=initiator; l=10.99.0.1:7000; p=10.99.0.2:7000; t=10.0.0.1/24; id=00000000000000a1
  else role=responder; l=10.99.0.2:7000; p=10.99.0.1:7000; t=10.0.0.2/24; id=00000000000000b2; fi
  printf 'role=%s\nlocal.address=%s\npeer.address=%s\ntun.name=otpb%s\ntun.address=%s\nkey.file=%s\nstate.dir=%s\nhandshake=on\nidentity.id=%s\naead=%s\n' \
    $role $l $p $side $t "$WORK/$side.psk" "$WORK/state-$side" $id "${OTPI_AEAD:-jdk}" > "$WORK/$side.conf"
done
JAVA=${JAVA:-java}
ip netns exec "$B" "$JAVA" -Dtinylog.writer=console -Dtinylog.writer.level=warn -cp "$CP" org.otpi.appliance.tunnel.TunnelMain --config "$WORK/b.conf" > "$WORK/b.log" 2>&1 &
PIDS+=($!)
ip netns exec "$A" "$JAVA" -Dtinylog.writer=console -Dtinylog.writer.level=warn -cp "$CP" org.otpi.appliance.tunnel.TunnelMain --config "$WORK/a.conf" > "$WORK/a.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 60); do ip netns exec "$A" ping -c1 -W1 10.0.0.2 >/dev/null 2>&1 && break; sleep 0.5; done
# JIT warm-up (the other peers are native code): 15 s of traffic before measuring
ip netns exec "$B" iperf3 -s -1 -B 10.0.0.2 >/dev/null 2>&1 &
warm=$!; sleep 0.5
ip netns exec "$A" iperf3 -c 10.0.0.2 -t 15 -P 2 >/dev/null 2>&1 || true; wait "$warm" 2>/dev/null || true
run "otpi-tunnel ($("$JAVA" -version 2>&1 | head -1 | cut -d'"' -f2), ${OTPI_AEAD:-jdk})" 10.0.0.2
for ns in "$A" "$B"; do ip netns exec "$ns" nstat -az 2>/dev/null | grep -E "UdpRcvbufErrors|UdpSndbufErrors|UdpInErrors|TcpRetransSegs" | tr -s ' ' | tr '\n' ' '; echo; done
grep -h "tunnel stats" "$WORK/a.log" "$WORK/b.log" 2>/dev/null | tail -2 | cut -c1-200 || true
kill -TERM "${PIDS[@]}"; wait "${PIDS[@]}" 2>/dev/null || true; PIDS=()

# --- OpenVPN static key ---
if command -v openvpn >/dev/null; then
  openvpn --genkey secret "$WORK/ovpn.key" 2>/dev/null
  common=(--dev-type tun --secret "$WORK/ovpn.key" --cipher AES-256-CBC --tun-mtu 1400 --sndbuf 4194304 --rcvbuf 4194304 --verb 1)
  ip netns exec "$A" openvpn --dev ovpa --ifconfig 10.0.1.1 10.0.1.2 --local 10.99.0.1 --remote 10.99.0.2 "${common[@]}" > "$WORK/ovpn-a.log" 2>&1 &
  PIDS+=($!)
  ip netns exec "$B" openvpn --dev ovpb --ifconfig 10.0.1.2 10.0.1.1 --local 10.99.0.2 --remote 10.99.0.1 "${common[@]}" > "$WORK/ovpn-b.log" 2>&1 &
  PIDS+=($!)
  for i in $(seq 1 60); do ip netns exec "$A" ping -c1 -W1 10.0.1.2 >/dev/null 2>&1 && break; sleep 0.5; done
  run "OpenVPN static key" 10.0.1.2
  kill -TERM "${PIDS[@]}"; wait "${PIDS[@]}" 2>/dev/null || true; PIDS=()
fi

# --- wireguard-go ---
if command -v wireguard-go >/dev/null && command -v wg >/dev/null; then
  ka=$(wg genkey); kb=$(wg genkey); pa=$(echo "$ka" | wg pubkey); pb=$(echo "$kb" | wg pubkey)
  for side in a b; do
    ns=$A; [ $side = b ] && ns=$B
    ip netns exec "$ns" sh -c "mount -t tmpfs x /run/wireguard 2>/dev/null || { mkdir -p /run/wireguard && mount -t tmpfs x /run/wireguard; }; exec wireguard-go -f wg$side" > "$WORK/wg-$side.log" 2>&1 &
    PIDS+=($!)
  done
  sleep 1
  wpa=$(pgrep -f "wireguard-go -f wga" | head -1); wpb=$(pgrep -f "wireguard-go -f wgb" | head -1)
  echo "$ka" > "$WORK/ka"; echo "$kb" > "$WORK/kb"
  nsenter -t "$wpa" -m -n wg set wga private-key "$WORK/ka" listen-port 51820 peer "$pb" endpoint 10.99.0.2:51820 allowed-ips 10.0.2.2/32
  nsenter -t "$wpb" -m -n wg set wgb private-key "$WORK/kb" listen-port 51820 peer "$pa" endpoint 10.99.0.1:51820 allowed-ips 10.0.2.1/32
  ip -n "$A" addr add 10.0.2.1/24 dev wga; ip -n "$A" link set wga mtu 1420 up
  ip -n "$B" addr add 10.0.2.2/24 dev wgb; ip -n "$B" link set wgb mtu 1420 up
  for i in $(seq 1 60); do ip netns exec "$A" ping -c1 -W1 10.0.2.2 >/dev/null 2>&1 && break; sleep 0.5; done
  run "wireguard-go" 10.0.2.2
fi
