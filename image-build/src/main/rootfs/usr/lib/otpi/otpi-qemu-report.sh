#!/bin/sh
# Prints one line per OTPi unit for boot-qemu.sh: "OTPI-UNIT <unit> <active state> <sub state>".
echo "OTPI-QEMU-REPORT-BEGIN"
for unit in otpi-appliance.service otpi-firstboot.service otpi-gadget.service \
            otpi-kiosk.service var-lib-otpi.mount otpi-entropy.service \
            'media-otpi\x2dvault.mount' otpi-vault-prepare.service otpi-vault-attached.service \
            'media-otpi\x2dusb.mount'; do
    active=$(systemctl show -P ActiveState "$unit" 2>/dev/null || echo unknown)
    sub=$(systemctl show -P SubState "$unit" 2>/dev/null || echo unknown)
    echo "OTPI-UNIT $unit $active $sub"
done
for dir in /media/otpi-vault /media/otpi-usb; do
    echo "OTPI-MEDIUM $dir $(stat -c '%U:%G %a' "$dir" 2>/dev/null) $(findmnt --task 1 -no FSTYPE,OPTIONS "$dir" 2>/dev/null)"
done
systemctl --no-pager --failed --plain --no-legend 2>/dev/null | sed 's/^/OTPI-FAILED /'
# The appliance's own words (its log never holds secrets): why it is up, or why not.
journalctl --no-pager -o cat -n 15 -u otpi-appliance.service 2>/dev/null | sed 's/^/OTPI-LOG /'
echo "OTPI-QEMU-REPORT-END"
