#!/bin/bash
# Assemble an SD-card disk image from three directory trees, without loop mounts.
#
#   assemble-image.sh --boot DIR --root DIR --state DIR --out FILE
#                     [--boot-mib N] [--root-mib N|auto] [--state-mib N]
#                     [--state-owner UID:GID]
#
# Layout (MBR, 4 MiB aligned start, 1 MiB alignment after):
#   p1  FAT   label OTPI-BOOT   the Raspberry Pi firmware, kernel, initrd, DTBs
#   p2  ext4  label OTPI-ROOT   the root filesystem (mounted read-only, RAM overlay)
#   p3  ext4  label OTPI-STATE  OTPi state (/var/lib/otpi)
# Each filesystem is built in its own file (mkfs.vfat + mcopy, mke2fs -d), then
# placed into the disk image with dd at the offsets written by sfdisk.
set -euo pipefail

BOOT_DIR="" ROOT_DIR="" STATE_DIR="" OUT=""
BOOT_MIB=256 ROOT_MIB=auto STATE_MIB=64
STATE_OWNER=470:470
FIRST_MIB=4

die() { echo "assemble-image: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case "$1" in
        --boot) BOOT_DIR=$2; shift 2 ;;
        --root) ROOT_DIR=$2; shift 2 ;;
        --state) STATE_DIR=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --boot-mib) BOOT_MIB=$2; shift 2 ;;
        --root-mib) ROOT_MIB=$2; shift 2 ;;
        --state-mib) STATE_MIB=$2; shift 2 ;;
        --state-owner) STATE_OWNER=$2; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) die "unknown argument: $1" ;;
    esac
done
[ -d "$BOOT_DIR" ] || die "--boot DIR is required"
[ -d "$ROOT_DIR" ] || die "--root DIR is required"
[ -d "$STATE_DIR" ] || die "--state DIR is required"
[ -n "$OUT" ] || die "--out FILE is required"
for tool in mkfs.vfat mcopy mke2fs sfdisk dd du; do
    command -v "$tool" >/dev/null || die "missing tool: $tool"
done

if [ "$ROOT_MIB" = auto ]; then
    used_kib=$(du -s -k --apparent-size "$ROOT_DIR" | cut -f1)
    inodes=$(find "$ROOT_DIR" -xdev | wc -l)
    # Payload + 30% + 64 MiB, plus room for inode tables (256 bytes per inode, x2).
    ROOT_MIB=$(( (used_kib * 13 / 10) / 1024 + 64 + inodes * 512 / 1048576 ))
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/otpi-assemble.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# p1: FAT. mkfs.vfat -C creates the file; mcopy fills it, keeping timestamps.
mkfs.vfat -n OTPI-BOOT -C "$tmp/boot.img" $((BOOT_MIB * 1024)) >/dev/null
find "$BOOT_DIR" -mindepth 1 -maxdepth 1 -print0 | while IFS= read -r -d '' entry; do
    mcopy -s -p -m -Q -i "$tmp/boot.img" "$entry" ::/
done

# p2: root ext4, filled from the tree (ownership, modes, xattrs kept).
mke2fs -q -F -t ext4 -L OTPI-ROOT -m 0 -d "$ROOT_DIR" "$tmp/root.img" "${ROOT_MIB}M"

# p3: state ext4, its root directory owned by the otpi user.
mke2fs -q -F -t ext4 -L OTPI-STATE -m 0 -E "root_owner=$STATE_OWNER" -d "$STATE_DIR" \
    "$tmp/state.img" "${STATE_MIB}M"

mib=2048 # sectors per MiB
boot_start=$((FIRST_MIB * mib))
root_start=$((boot_start + BOOT_MIB * mib))
state_start=$((root_start + ROOT_MIB * mib))
total_mib=$((FIRST_MIB + BOOT_MIB + ROOT_MIB + STATE_MIB + 1))

rm -f "$OUT"
truncate -s "${total_mib}M" "$OUT"
sfdisk --quiet "$OUT" <<LAYOUT
label: dos
label-id: 0x4f545069
unit: sectors

start=$boot_start, size=$((BOOT_MIB * mib)), type=c, bootable
start=$root_start, size=$((ROOT_MIB * mib)), type=83
start=$state_start, size=$((STATE_MIB * mib)), type=83
LAYOUT

place() { # place FILE START_SECTOR
    dd if="$1" of="$OUT" bs=1M seek=$(($2 / mib)) conv=notrunc,sparse status=none
}
place "$tmp/boot.img" "$boot_start"
place "$tmp/root.img" "$root_start"
place "$tmp/state.img" "$state_start"

echo "assemble-image: $OUT: ${total_mib} MiB (boot ${BOOT_MIB}, root ${ROOT_MIB}, state ${STATE_MIB} MiB)"
