#!/bin/bash
# Configure the OTPi root filesystem tree ROOT (called by build-image.sh as an
# mmdebstrap customize hook, after the OTPi files were copied in). Runs arm64
# binaries through qemu-user where it must (chroot); uses host tools where it can.
#
#   configure-root.sh ROOT SUITE JARDIR
set -euo pipefail
ROOT=${1:?usage: configure-root.sh ROOT SUITE JARDIR}
SUITE=${2:?usage: configure-root.sh ROOT SUITE JARDIR}
LIB=${3:?usage: configure-root.sh ROOT SUITE JARDIR}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../../.." && pwd)

# Runs a command in the new root, with /proc, /sys and /dev bound in a private mount
# namespace (maintainer scripts need them; nothing propagates back to the host).
# Under mmdebstrap they are already mounted.
in_root() {
    # shellcheck disable=SC2016 # expanded by the inner shell
    unshare --mount --propagation private sh -c '
        for fs in proc sys dev; do
            mountpoint -q "$1/$fs" || mount --rbind "/$fs" "$1/$fs"
        done
        root=$1; shift
        exec chroot "$root" "$@"' sh "$ROOT" "$@"
}

# The OTPi files: image tree, jars, udev rules, this documentation.
cp -a "$REPO/image-build/src/main/rootfs/." "$ROOT/"
find "$ROOT/opt/otpi/lib" -mindepth 1 -delete # also jars of an earlier run (--reuse-root)
cp -a "$LIB/." "$ROOT/opt/otpi/lib/"
mkdir -p "$ROOT/usr/lib/udev/rules.d" "$ROOT/usr/share/doc/otpi"
cp "$REPO"/udev/src/main/rules/*.rules "$ROOT/usr/lib/udev/rules.d/"
cp "$REPO/docs/image.md" "$ROOT/usr/share/doc/otpi/" 2>/dev/null || true

# Users and groups (fixed ids, see usr/lib/sysusers.d/otpi.conf).
in_root systemd-sysusers /usr/lib/sysusers.d/otpi.conf

# /etc is on the read-only root: OTPi's configuration lives on the state partition.
rm -rf "$ROOT/etc/otpi"
ln -s /var/lib/otpi/config "$ROOT/etc/otpi"
mkdir -p "$ROOT/var/lib/otpi" "$ROOT/media/otpi-vault" "$ROOT/media/otpi-usb" "$ROOT/media/otpi-root-ro"
chmod 0750 "$ROOT/var/lib/otpi"

# Kernel command line and config.txt for the Raspberry Pi firmware (raspi-firmware's
# kernel hook writes cmdline.txt and config.txt into /boot/firmware from these).
cat > "$ROOT/etc/default/raspi-firmware" <<CONF
ROOTPART=LABEL=OTPI-ROOT
CONSOLES="tty1"
CONF
echo "ro otpi.overlayroot=1 quiet" > "$ROOT/etc/default/raspi-extra-cmdline"
# The gadget needs no overlay: Debian's bcm2711-rpi-4-b.dtb (mainline) already sets
# the USB-C controller (dwc2, /soc/usb@7e980000) to dr_mode = "peripheral".
# No Wi-Fi/Bluetooth firmware is installed, so the radios stay off.
cat > "$ROOT/etc/default/raspi-firmware-custom" <<CONF
disable_splash=1
CONF

# fstab: / is the RAM overlay set up in the initramfs and is not listed, so
# systemd-remount-fs leaves it alone; the state and vault mounts are units.
cat > "$ROOT/etc/fstab" <<CONF
# OTPi: / is a RAM overlay over LABEL=OTPI-ROOT (see otpi-overlayroot).
LABEL=OTPI-BOOT /boot/firmware vfat ro,nosuid,nodev,noexec,noauto 0 0
tmpfs /tmp tmpfs nosuid,nodev,mode=1777,size=64M 0 0
CONF

# An empty machine-id: systemd makes a transient one on each (read-only) boot.
: > "$ROOT/etc/machine-id"
rm -f "$ROOT/var/lib/dbus/machine-id"

# Enable the OTPi units and the system services they rely on. The root is a
# read-only overlay, so enabling at run time does not persist: one tunnel instance,
# "site", is enabled here and starts when /etc/otpi/tunnel/site.conf exists.
# otpi-gadget.service and otpi-entropy.service are started by udev.
systemctl --root="$ROOT" enable \
    otpi-appliance.service otpi-firstboot.service \
    otpi-kiosk.service var-lib-otpi.mount otpi-clock-save.timer otpi-tunnel@site.service \
    otpi-clock-load.service systemd-networkd.service nftables.service
systemctl --root="$ROOT" set-default graphical.target
# Debian's fake-hwclock units (bookworm: fake-hwclock.service; trixie: -load, -save,
# -save.timer) keep the time on the read-only root: otpi-clock-* replace them.
for unit in getty@tty1.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
            fake-hwclock.service fake-hwclock-load.service fake-hwclock-save.service \
            fake-hwclock-save.timer; do
    systemctl --root="$ROOT" mask "$unit" >/dev/null 2>&1 || true
done

# Regenerate the initramfs (overlay-root script) and let raspi-firmware's hook copy
# kernel, initrd, DTBs, config.txt and cmdline.txt into /boot/firmware.
in_root update-initramfs -u -k all

echo "configure-root: $SUITE root configured"
