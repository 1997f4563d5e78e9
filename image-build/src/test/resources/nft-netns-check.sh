#!/bin/bash
# Loads the image's nftables.conf in a throw-away "device" network namespace wired
# to a "laptop" namespace (device side named otpi0) and an "uplink" namespace
# (device side named eth0), with listeners on tcp 8470, tcp 9999 and udp 8471 in
# the device. Prints one line per probe: "<probe> OPEN|BLOCKED". Root only.
#
#   nft-netns-check.sh NFTABLES_CONF
set -euo pipefail
CONF=${1:?usage: nft-netns-check.sh NFTABLES_CONF}
tag="otpinft$$"
dev="$tag-dev" lap="$tag-lap" wan="$tag-wan"
pids=()

# shellcheck disable=SC2317 # called through the EXIT trap
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    for ns in "$dev" "$lap" "$wan"; do
        ip netns del "$ns" 2>/dev/null || true
    done
}
trap cleanup EXIT

for ns in "$dev" "$lap" "$wan"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
done
ip link add "${tag}a" netns "$dev" type veth peer name lap0 netns "$lap"
ip link add "${tag}b" netns "$dev" type veth peer name wan0 netns "$wan"
ip -n "$dev" link set "${tag}a" name otpi0
ip -n "$dev" link set "${tag}b" name eth0
ip -n "$dev" addr add 10.55.0.1/29 dev otpi0
ip -n "$lap" addr add 10.55.0.2/29 dev lap0
ip -n "$dev" addr add 192.0.2.1/24 dev eth0
ip -n "$wan" addr add 192.0.2.2/24 dev wan0
for pair in "$dev otpi0" "$dev eth0" "$lap lap0" "$wan wan0"; do
    read -r ns ifname <<<"$pair"
    ip -n "$ns" link set "$ifname" up
done
ip netns exec "$dev" nft -f "$CONF"

listen_tcp='import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(8)
while True:
    c,_=s.accept(); c.sendall(b"hi"); c.close()'
listen_udp='import socket,sys
s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", int(sys.argv[1])))
while True:
    d,a=s.recvfrom(100); print("UDP", a[0], flush=True)'
probe_tcp='import socket,sys
try:
    c=socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1.5); print("OPEN" if c.recv(2)==b"hi" else "BLOCKED")
except OSError:
    print("BLOCKED")'
send_udp='import socket,sys
s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"x", (sys.argv[1], int(sys.argv[2])))'

udp_log=$(mktemp)
ip netns exec "$dev" python3 -c "$listen_tcp" 8470 & pids+=($!)
ip netns exec "$dev" python3 -c "$listen_tcp" 9999 & pids+=($!)
ip netns exec "$dev" python3 -u -c "$listen_udp" 8471 >"$udp_log" & pids+=($!)
sleep 1

echo "laptop-tcp-8470 $(ip netns exec "$lap" python3 -c "$probe_tcp" 10.55.0.1 8470)"
echo "laptop-tcp-9999 $(ip netns exec "$lap" python3 -c "$probe_tcp" 10.55.0.1 9999)"
echo "uplink-tcp-8470 $(ip netns exec "$wan" python3 -c "$probe_tcp" 192.0.2.1 8470)"
echo "uplink-tcp-9999 $(ip netns exec "$wan" python3 -c "$probe_tcp" 192.0.2.1 9999)"
ip netns exec "$wan" python3 -c "$send_udp" 192.0.2.1 8471
ip netns exec "$lap" python3 -c "$send_udp" 10.55.0.1 8471
sleep 1
if grep -q "UDP 192.0.2.2" "$udp_log"; then echo "uplink-udp-8471 OPEN"; else echo "uplink-udp-8471 BLOCKED"; fi
if grep -q "UDP 10.55.0.2" "$udp_log"; then echo "laptop-udp-8471 OPEN"; else echo "laptop-udp-8471 BLOCKED"; fi
rm -f "$udp_log"
