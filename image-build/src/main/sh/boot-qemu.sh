#!/bin/bash
# Slow check: boot the OTPi image's kernel, initrd and root filesystem under
# qemu-system-aarch64 (-M virt; the Pi's own firmware is not emulated) and wait
# until systemd reports the OTPi units on the serial console.
#
#   boot-qemu.sh IMAGE [--timeout SECONDS] [--log FILE]
#
# The image is not modified: the kernel and initrd are read out of its boot
# partition with mtools, and QEMU writes to a throw-away qcow2 overlay. The
# appliance RPC port 8470 of the guest's user network is forwarded to
# 127.0.0.1:18470 (the appliance binds the gadget address on hardware, so the
# health endpoint answers there only with an emulation config).
# Exit 0 when every OTPi unit was reported, 1 with the console log otherwise.
set -euo pipefail

IMAGE=${1:?usage: boot-qemu.sh IMAGE [--timeout SECONDS] [--log FILE]}
shift
TIMEOUT=900
LOG=""
while [ $# -gt 0 ]; do
    case "$1" in
        --timeout) TIMEOUT=$2; shift 2 ;;
        --log) LOG=$2; shift 2 ;;
        *) echo "boot-qemu: unknown argument: $1" >&2; exit 2 ;;
    esac
done
for tool in qemu-system-aarch64 qemu-img mcopy sfdisk; do
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

# otpi.qemu-report: the console reports the state of every OTPi unit once booted.
append="console=ttyAMA0 root=LABEL=OTPI-ROOT ro otpi.overlayroot=1 rootwait net.ifnames=0"
append="$append systemd.show_status=1 systemd.wants=otpi-qemu-report.service"

start=$(date +%s)
qemu-system-aarch64 -M virt -cpu cortex-a72 -smp 2 -m 2048 -nographic -no-reboot \
    -kernel "$tmp/vmlinuz" -initrd "$tmp/initrd" -append "$append" \
    -drive "if=none,id=disk,file=$tmp/disk.qcow2,format=qcow2" \
    -device virtio-blk-pci,drive=disk \
    -netdev "user,id=net0,hostfwd=tcp:127.0.0.1:18470-:8470" -device virtio-net-pci,netdev=net0,romfile= \
    -device virtio-rng-pci \
    -serial "file:$LOG" -monitor none -display none &
qemu_pid=$!

units="otpi-appliance.service otpi-firstboot.service otpi-gadget.service otpi-kiosk.service var-lib-otpi.mount"
while :; do
    now=$(date +%s)
    if [ $((now - start)) -ge "$TIMEOUT" ]; then
        echo "boot-qemu: timed out after ${TIMEOUT}s; console log:" >&2
        cat "$LOG" >&2
        exit 1
    fi
    if grep -q "OTPI-QEMU-REPORT-END" "$LOG" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$qemu_pid" 2>/dev/null; then
        echo "boot-qemu: QEMU exited early; console log:" >&2
        cat "$LOG" >&2
        exit 1
    fi
    sleep 5
done
elapsed=$(( $(date +%s) - start ))
sed -n '/OTPI-QEMU-REPORT-BEGIN/,/OTPI-QEMU-REPORT-END/p' "$LOG"
missing=0
for unit in $units; do
    grep -q "^OTPI-UNIT $unit " "$LOG" || { echo "boot-qemu: $unit not reported" >&2; missing=1; }
done
echo "boot-qemu: booted to the OTPi report in ${elapsed}s"
exit "$missing"
