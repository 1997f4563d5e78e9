#!/bin/sh
# OTPi first boot, run as user otpi by otpi-firstboot.service.
#
#   otpi-firstboot.sh STATE_DIR
#
# Creates STATE_DIR/device.secret (32 bytes from the kernel CSPRNG, mode 0600)
# once, atomically (write to a temporary file, fsync, rename, fsync the directory),
# and copies the default configuration into STATE_DIR/config if it is missing.
# An existing secret is never replaced: the vault key is wrapped with it.
set -eu

STATE=${1:?usage: otpi-firstboot.sh STATE_DIR}
DEFAULTS=${OTPI_DEFAULTS:-/usr/share/otpi}
umask 077

if [ ! -e "$STATE/device.secret" ]; then
    tmp="$STATE/.device.secret.$$"
    # /dev/random blocks until the pool is initialised, then never again.
    dd if=/dev/random of="$tmp" bs=32 count=1 iflag=fullblock status=none
    chmod 0600 "$tmp"
    sync "$tmp"
    mv "$tmp" "$STATE/device.secret"
    sync "$STATE"
    echo "otpi-firstboot: created device secret"
fi

size=$(wc -c < "$STATE/device.secret")
if [ "$size" -ne 32 ]; then
    echo "otpi-firstboot: device secret has $size bytes, expected 32" >&2
    exit 1
fi

mkdir -p "$STATE/config/tunnel"
if [ ! -e "$STATE/config/appliance.conf" ]; then
    cp "$DEFAULTS/appliance.conf" "$STATE/config/appliance.conf"
    sync "$STATE/config/appliance.conf"
    echo "otpi-firstboot: installed default appliance.conf"
fi
