#!/bin/bash
# Build a bootable arm64 SD-card image of OTPi for the Raspberry Pi 4 and 5, from
# Debian packages only (mmdebstrap; qemu-user-static runs the arm64 maintainer
# scripts), without loop mounts. Run as root on a Debian amd64 host:
#
#   image-build/src/main/sh/build-image.sh [--suite trixie|bookworm] [--out FILE]
#        [--mirror URL] [--jars DIR] [--no-jars] [--work DIR] [--keep-work]
#
#   --suite     Debian suite (default trixie: kernel with Raspberry Pi 5 support,
#               openjdk-21-jre-headless; bookworm gives openjdk-17 and Pi 4 only)
#   --jars DIR  directory of runtime jars for /opt/otpi/lib (default:
#               image-build/target/image-lib, which ./mvnw -B -DskipTests package
#               fills with the appliance, the kiosk and their dependencies, with the
#               linux-aarch64 JavaFX and epoll natives)
#   --no-jars   build without OTPi jars (only to test the image itself)
#   --work DIR  keep the intermediate trees there (default: a temporary directory)
#   --reuse-root  with --work: finish the root tree left there by an earlier run
#               (dpkg --configure -a, then the OTPi files) instead of bootstrapping
#
# Host packages: mmdebstrap arch-test qemu-user-static binfmt-support debian-archive-keyring
# mtools dosfstools e2fsprogs fdisk systemd.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../../.." && pwd)

SUITE=trixie
MIRROR=http://deb.debian.org/debian
OUT="$REPO/image-build/target/otpi-arm64.img"
JARS=""
ALLOW_NO_JARS=no
WORK=""
KEEP_WORK=no
REUSE_ROOT=no

die() { echo "build-image: $*" >&2; exit 1; }
log() { echo "build-image: $*" >&2; }

while [ $# -gt 0 ]; do
    case "$1" in
        --suite) SUITE=$2; shift 2 ;;
        --mirror) MIRROR=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --jars) JARS=$2; shift 2 ;;
        --require-jars) shift ;; # the default now; kept for old command lines
        --no-jars) ALLOW_NO_JARS=yes; shift ;;
        --work) WORK=$2; KEEP_WORK=yes; shift 2 ;;
        --keep-work) KEEP_WORK=yes; shift ;;
        --reuse-root) REUSE_ROOT=yes; shift ;;
        -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
        *) die "unknown argument: $1" ;;
    esac
done

[ "$(id -u)" = 0 ] || die "run as root (mmdebstrap root mode, file ownership in the image)"
for tool in mmdebstrap mkfs.vfat mcopy mke2fs sfdisk systemctl; do
    command -v "$tool" >/dev/null || die "missing tool: $tool"
done
if [ "$(dpkg --print-architecture)" != arm64 ] && [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    die "no binfmt handler for arm64: apt-get install qemu-user-static binfmt-support (and mount binfmt_misc)"
fi

case "$SUITE" in
    bookworm) JRE=openjdk-17-jre-headless; GTK=libgtk-3-0 ;;
    *)        JRE=openjdk-21-jre-headless; GTK=libgtk-3-0t64 ;;
esac

if [ -z "$WORK" ]; then
    WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/otpi-image.XXXXXX")
fi
mkdir -p "$WORK"
if [ "$KEEP_WORK" = no ]; then
    trap 'rm -rf "$WORK"' EXIT
fi
ROOT="$WORK/root"
BOOT="$WORK/boot"
STATE="$WORK/state"
LIB="$WORK/lib"
rm -rf "$BOOT" "$STATE" "$LIB"
mkdir -p "$BOOT" "$STATE" "$LIB" "$(dirname "$OUT")"

# --- the OTPi jars --------------------------------------------------------------
[ -n "$JARS" ] || JARS="$REPO/image-build/target/image-lib"
if [ -d "$JARS" ]; then
    find "$JARS" -maxdepth 1 -name '*.jar' -exec cp -t "$LIB" {} +
fi
jar_count=$(find "$LIB" -name '*.jar' | wc -l)
if ! ls "$LIB"/otpi-appliance-*.jar >/dev/null 2>&1; then
    [ "$ALLOW_NO_JARS" = yes ] || die "no otpi-appliance jar in $JARS (run ./mvnw -B -DskipTests package first)"
    log "WARNING: no OTPi jars (--no-jars); the image's OTPi services will fail to start"
elif find "$LIB" \( -name '*-linux-x86_64.jar' -o -name 'javafx-*-linux.jar' \) | grep -q .; then
    die "$JARS holds x86-64 native jars; the image needs the aarch64 ones (image-build/target/image-lib)"
fi
log "$jar_count jars for /opt/otpi/lib"

PACKAGES=(
    systemd systemd-sysv udev dbus libpam-systemd kmod iproute2 nftables fake-hwclock
    initramfs-tools linux-image-arm64 raspi-firmware
    "$JRE" cage xwayland "$GTK" libgl1-mesa-dri fonts-dejavu-core
    libsodium23
)
INCLUDE=$(IFS=,; echo "${PACKAGES[*]}")

start=$(date +%s)
if [ "$REUSE_ROOT" = yes ] && [ -x "$ROOT/usr/bin/dpkg" ]; then
    # Development shortcut: finish an earlier run's tree instead of bootstrapping again.
    log "reusing $ROOT: finishing package configuration"
    mkdir -p "$ROOT/usr/share/man/man1"
    # In a private mount namespace: the bind mounts vanish with it, and nothing
    # propagates back to the host's /dev or /proc.
    # shellcheck disable=SC2016 # expanded by the inner shell
    unshare --mount --propagation private sh -c '
        for fs in proc sys dev; do mount --rbind "/$fs" "$1/$fs"; done
        exec chroot "$1" dpkg --configure -a' sh "$ROOT" \
        || die "dpkg --configure -a failed in $ROOT"
    "$HERE/configure-root.sh" "$ROOT" "$SUITE" "$LIB"
else
    rm -rf "$ROOT"
    log "mmdebstrap $SUITE arm64 (this takes a while under emulation)"
    # The hooks run on the host with the new root as "$1". man pages are not
    # installed, but man1 must exist for update-alternatives (the JRE's postinst).
    # shellcheck disable=SC2016 # "$1" is expanded by mmdebstrap's hook shell
    mmdebstrap --arch=arm64 --variant=apt --mode=root \
        --components=main,non-free-firmware \
        --include="$INCLUDE" \
        --aptopt='APT::Install-Recommends "false"' \
        --dpkgopt='path-exclude=/usr/share/man/*' \
        --dpkgopt='path-exclude=/usr/share/doc/*' \
        --dpkgopt='path-include=/usr/share/doc/*/copyright' \
        --setup-hook='mkdir -p "$1/boot/firmware" "$1/usr/share/man/man1"' \
        --customize-hook="'$HERE/configure-root.sh' \"\$1\" '$SUITE' '$LIB'" \
        "$SUITE" "$ROOT" "$MIRROR"
fi
log "root filesystem built in $(( $(date +%s) - start )) s"

# --- split the tree into the three partitions -----------------------------------
cp -a "$ROOT/boot/firmware/." "$BOOT/"
find "$ROOT/boot/firmware" -mindepth 1 -delete
cp -a "$ROOT/var/lib/otpi/." "$STATE/" 2>/dev/null || true
find "$ROOT/var/lib/otpi" -mindepth 1 -delete
mkdir -p "$STATE/clock" "$STATE/config/tunnel"
chown -R 470:470 "$STATE"
chown 0:0 "$STATE/clock"
chmod 0750 "$STATE" "$STATE/config" "$STATE/config/tunnel"

# The gadget needs the Pi 4's USB-C controller in peripheral mode in the DTB.
if command -v fdtget >/dev/null && [ -e "$BOOT/bcm2711-rpi-4-b.dtb" ]; then
    mode=$(fdtget "$BOOT/bcm2711-rpi-4-b.dtb" /soc/usb@7e980000 dr_mode 2>/dev/null || true)
    if [ "$mode" = peripheral ]; then
        log "Pi 4 USB-C controller: dr_mode=peripheral (gadget possible)"
    else
        log "WARNING: Pi 4 USB-C controller dr_mode='$mode': the gadget will not enumerate"
    fi
fi
if [ -e "$BOOT/bcm2712-rpi-5-b.dtb" ]; then log "Pi 5 DTB present (see docs/image.md: no RP1/USB in this kernel)"; fi

"$HERE/assemble-image.sh" --boot "$BOOT" --root "$ROOT" --state "$STATE" --out "$OUT"
log "image: $OUT ($(du -h --apparent-size "$OUT" | cut -f1) apparent, $(du -h "$OUT" | cut -f1) on disk)"
log "total build time $(( $(date +%s) - start )) s"
