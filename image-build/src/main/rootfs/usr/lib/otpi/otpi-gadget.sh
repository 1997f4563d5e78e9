#!/bin/sh
# OTPi USB network gadget through configfs (libcomposite).
#
#   otpi-gadget.sh up    build the gadget and bind it to the first UDC
#   otpi-gadget.sh down  unbind and remove it
#
# Two configurations, as Windows, Linux and macOS each pick the one they drive:
#   c.1  RNDIS with Microsoft OS descriptors (Windows binds its RNDIS driver)
#   c.2  CDC-ECM (Linux cdc_ether, macOS)
# udev (70-otpi-gadget-net.rules) names the device-side interfaces otpiusb0 (ECM)
# and otpiusb1 (RNDIS) by the fixed MAC addresses below; systemd-networkd bridges
# both into otpi0 (10.55.0.1/29) and serves DHCP on it only.
#
# OTPI_GADGET_ROOT overrides the configfs path (tests use a plain directory).
set -eu

GADGET_ROOT=${OTPI_GADGET_ROOT:-/sys/kernel/config/usb_gadget}
G="$GADGET_ROOT/otpi"
UDC_CLASS=${OTPI_UDC_CLASS:-/sys/class/udc}

# Locally administered, fixed: the udev rules match the device-side addresses.
ECM_DEV=02:0e:70:69:00:01
ECM_HOST=02:0e:70:69:00:02
RNDIS_DEV=02:0e:70:69:00:03
RNDIS_HOST=02:0e:70:69:00:04

serial_number() {
    if [ -r /proc/device-tree/serial-number ]; then
        tr -d '\000' < /proc/device-tree/serial-number
    else
        echo "0000000000000000"
    fi
}

put() { # put VALUE FILE
    printf '%s\n' "$1" > "$2"
}

up() {
    if [ -d "$G" ]; then
        if [ -s "$G/UDC" ] && [ -n "$(cat "$G/UDC")" ]; then
            echo "otpi-gadget: already bound to $(cat "$G/UDC")" >&2
            return 0
        fi
        down # a half-built gadget from an earlier failure
    fi
    mkdir -p "$G"
    put 0x1d6b "$G/idVendor"     # Linux Foundation
    put 0x0104 "$G/idProduct"    # Multifunction Composite Gadget
    put 0x0100 "$G/bcdDevice"
    put 0x0200 "$G/bcdUSB"
    put 0xEF "$G/bDeviceClass"   # Miscellaneous / IAD, needed with OS descriptors
    put 0x02 "$G/bDeviceSubClass"
    put 0x01 "$G/bDeviceProtocol"

    mkdir -p "$G/strings/0x409"
    put "$(serial_number)" "$G/strings/0x409/serialnumber"
    put "OTPi" "$G/strings/0x409/manufacturer"
    put "OTPi one-time-pad device" "$G/strings/0x409/product"

    # Windows reads these to bind RNDIS without a driver file.
    mkdir -p "$G/os_desc"
    put 1 "$G/os_desc/use"
    put 0xcd "$G/os_desc/b_vendor_code"
    put MSFT100 "$G/os_desc/qw_sign"

    mkdir -p "$G/functions/rndis.usb0"
    put "$RNDIS_DEV" "$G/functions/rndis.usb0/dev_addr"
    put "$RNDIS_HOST" "$G/functions/rndis.usb0/host_addr"
    mkdir -p "$G/functions/rndis.usb0/os_desc/interface.rndis"
    put RNDIS "$G/functions/rndis.usb0/os_desc/interface.rndis/compatible_id"
    put 5162001 "$G/functions/rndis.usb0/os_desc/interface.rndis/sub_compatible_id"

    mkdir -p "$G/functions/ecm.usb0"
    put "$ECM_DEV" "$G/functions/ecm.usb0/dev_addr"
    put "$ECM_HOST" "$G/functions/ecm.usb0/host_addr"

    mkdir -p "$G/configs/c.1/strings/0x409" "$G/configs/c.2/strings/0x409"
    put "RNDIS" "$G/configs/c.1/strings/0x409/configuration"
    put "CDC ECM" "$G/configs/c.2/strings/0x409/configuration"
    put 250 "$G/configs/c.1/MaxPower"
    put 250 "$G/configs/c.2/MaxPower"

    ln -s "$G/functions/rndis.usb0" "$G/configs/c.1/"
    ln -s "$G/functions/ecm.usb0" "$G/configs/c.2/"
    ln -s "$G/configs/c.1" "$G/os_desc/"

    udc=""
    for path in "$UDC_CLASS"/*; do
        [ -e "$path" ] || continue
        udc=${path##*/}
        break
    done
    if [ -z "$udc" ]; then
        echo "otpi-gadget: no USB device controller (is dwc2 in peripheral mode?)" >&2
        down
        return 1
    fi
    put "$udc" "$G/UDC"
    echo "otpi-gadget: bound to $udc"
}

down() {
    [ -d "$G" ] || return 0
    if [ -s "$G/UDC" ]; then
        put "" "$G/UDC" || true
    fi
    rm -f "$G/os_desc/c.1" "$G/configs/c.1/rndis.usb0" "$G/configs/c.2/ecm.usb0"
    for d in "$G/configs/c.1/strings/0x409" "$G/configs/c.2/strings/0x409" \
             "$G/configs/c.1" "$G/configs/c.2" \
             "$G/functions/rndis.usb0/os_desc/interface.rndis" \
             "$G/functions/rndis.usb0" "$G/functions/ecm.usb0" \
             "$G/strings/0x409" "$G"; do
        rmdir "$d" 2>/dev/null || true
    done
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
