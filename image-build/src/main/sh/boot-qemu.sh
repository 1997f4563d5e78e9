#!/bin/bash
# Slow check: boot the OTPi image's kernel, initrd and root filesystem under
# qemu-system-aarch64 (-M virt; the Pi's own firmware is not emulated) and wait
# until the appliance's health endpoint answers through the laptop link and
# systemd has reported the OTPi units on the serial console.
#
#   boot-qemu.sh IMAGE [--timeout SECONDS] [--log FILE] [--port PORT] [--shell SOCKET]
#
# --shell SOCKET (debugging only): a root shell on a virtio console (systemd's
# debug shell on hvc0), reachable on the host's Unix socket SOCKET, e.g. with
# `socat - UNIX-CONNECT:SOCKET`.
#
# The image is not modified and gets no emulation-only configuration: the kernel
# and initrd are read out of its boot partition with mtools, and QEMU writes to a
# throw-away qcow2 overlay. Two NICs:
#   - the uplink (eth0), a restricted user network;
#   - the laptop link: a NIC with the USB gadget's device-side ECM MAC address, so
#     the image's own udev rule names it otpiusb0, networkd bridges it into otpi0
#     (10.55.0.1/29) and the firewall lets the RPC in, as on a Pi plugged into a
#     laptop. QEMU's user network plays the laptop (10.55.0.2) and forwards
#     127.0.0.1:PORT (default 18470) to 10.55.0.1:8470.
# Two more disks stand in for the USB sticks: an empty ext4 vault medium labelled
# OTPI-VAULT (formatted as the README says, top directory owned by root) and a FAT
# exchange/backup stick labelled OTPI-USB, so udev, the mounts and the vault
# preparation run as on a Pi.
# Exit 0 when health answered and every OTPi unit was reported, 1 with the console
# log otherwise.
set -euo pipefail

IMAGE=${1:?usage: boot-qemu.sh IMAGE [--timeout SECONDS] [--log FILE]}
shift
TIMEOUT=900
LOG=""
PORT=18470
SHELL_SOCKET=""
while [ $# -gt 0 ]; do
    case "$1" in
        --timeout) TIMEOUT=$2; shift 2 ;;
        --log) LOG=$2; shift 2 ;;
        --port) PORT=$2; shift 2 ;;
        --shell) SHELL_SOCKET=$2; shift 2 ;;
        *) echo "boot-qemu: unknown argument: $1" >&2; exit 2 ;;
    esac
done
if [ ! -f "$IMAGE" ]; then
    echo "boot-qemu: no image at $IMAGE (build one with build-image.sh)" >&2
    exit 2
fi
for tool in qemu-system-aarch64 qemu-img mcopy sfdisk curl mkfs.ext4 mkfs.vfat; do
    command -v "$tool" >/dev/null || { echo "boot-qemu: missing tool: $tool" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/otpi-qemu.XXXXXX")
qemu_pid=""
# shellcheck disable=SC2317 # called through the EXIT trap
cleanup() {
    if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
        kill "$qemu_pid" 2>/dev/null || true
        wait "$qemu_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
[ -n "$LOG" ] || LOG="$tmp/console.log"

# Boot partition offset (bytes) from the partition table.
boot_start=$(sfdisk --dump "$IMAGE" | awk -F'[=,]' '/start=/ {gsub(/ /, "", $2); print $2; exit}')
offset=$((boot_start * 512))
kernel=$(mdir -b -i "$IMAGE@@$offset" ::/ | grep -m1 -E '/vmlinuz-' || true)
initrd=$(mdir -b -i "$IMAGE@@$offset" ::/ | grep -m1 -E '/initrd.img-' || true)
if [ -z "$kernel" ] || [ -z "$initrd" ]; then
    echo "boot-qemu: no kernel/initrd in the boot partition" >&2
    exit 1
fi
mcopy -i "$IMAGE@@$offset" "$kernel" "$tmp/vmlinuz"
mcopy -i "$IMAGE@@$offset" "$initrd" "$tmp/initrd"
qemu-img create -q -f qcow2 -F raw -b "$(readlink -f "$IMAGE")" "$tmp/disk.qcow2"
truncate -s 64M "$tmp/vault.img" "$tmp/usb.img"
mkfs.ext4 -q -L OTPI-VAULT "$tmp/vault.img"
mkfs.vfat -n OTPI-USB "$tmp/usb.img" >/dev/null

# otpi.qemu-report: the console reports the state of every OTPi unit once booted.
append="console=ttyAMA0 root=LABEL=OTPI-ROOT ro otpi.overlayroot=1 rootwait net.ifnames=0"
append="$append systemd.show_status=1 systemd.wants=otpi-qemu-report.service"

# The gadget's device-side ECM address (otpi-gadget.sh, 70-otpi-gadget-net.rules).
GADGET_ECM_MAC=02:0e:70:69:00:01
HEALTH="http://127.0.0.1:$PORT/api/v1/health"

extra=()
if [ -n "$SHELL_SOCKET" ]; then
    append="$append systemd.debug_shell=hvc0"
    extra=(-device virtio-serial-pci -chardev "socket,id=dbg,path=$SHELL_SOCKET,server=on,wait=off"
           -device "virtconsole,chardev=dbg")
fi

start=$(date +%s)
qemu-system-aarch64 -M virt -cpu cortex-a72 -smp 2 -m 2048 -nographic -no-reboot \
    -kernel "$tmp/vmlinuz" -initrd "$tmp/initrd" -append "$append" \
    -drive "if=none,id=disk,file=$tmp/disk.qcow2,format=qcow2" \
    -device virtio-blk-pci,drive=disk \
    -drive "if=none,id=vault,file=$tmp/vault.img,format=raw" -device virtio-blk-pci,drive=vault \
    -drive "if=none,id=usb,file=$tmp/usb.img,format=raw" -device virtio-blk-pci,drive=usb \
    -netdev "user,id=uplink,restrict=on,ipv6=off" -device virtio-net-pci,netdev=uplink,romfile= \
    -netdev "user,id=laptop,restrict=on,ipv6=off,net=10.55.0.0/24,host=10.55.0.2,dns=10.55.0.3,dhcpstart=10.55.0.100,hostfwd=tcp:127.0.0.1:$PORT-10.55.0.1:8470" \
    -device "virtio-net-pci,netdev=laptop,mac=$GADGET_ECM_MAC,romfile=" \
    -device virtio-rng-pci "${extra[@]}" \
    -serial "file:$LOG" -monitor none -display none &
qemu_pid=$!

units="otpi-appliance.service otpi-firstboot.service otpi-gadget.service otpi-kiosk.service var-lib-otpi.mount"
health_at=""
report_at=""
while :; do
    now=$(date +%s)
    if [ $((now - start)) -ge "$TIMEOUT" ]; then
        echo "boot-qemu: timed out after ${TIMEOUT}s (health: ${health_at:-no answer}," \
             "report: ${report_at:-not seen}); console log:" >&2
        cat "$LOG" >&2
        exit 1
    fi
    if [ -z "$health_at" ] && body=$(curl -fsS -m 5 "$HEALTH" 2>/dev/null); then
        health_at=$((now - start))
        echo "boot-qemu: $HEALTH answered after ${health_at}s: $body"
    fi
    if [ -z "$report_at" ] && grep -q "OTPI-QEMU-REPORT-END" "$LOG" 2>/dev/null; then
        report_at=$((now - start))
    fi
    if [ -n "$health_at" ] && [ -n "$report_at" ]; then
        break
    fi
    if ! kill -0 "$qemu_pid" 2>/dev/null; then
        echo "boot-qemu: QEMU exited early; console log:" >&2
        cat "$LOG" >&2
        exit 1
    fi
    sleep 5
done
grep -ao 'OTPI-\(UNIT\|MEDIUM\|FAILED\|LOG\) .*\|OTPI-QEMU-REPORT-[A-Z]*' "$LOG" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g'
missing=0
for unit in $units; do
    # Not anchored: the console interleaves getty's prompt and terminal queries with the report.
    grep -aq "OTPI-UNIT $unit " "$LOG" || { echo "boot-qemu: $unit not reported" >&2; missing=1; }
done
echo "boot-qemu: power-on to health answering: ${health_at}s; to the OTPi report: ${report_at}s"
exit "$missing"
