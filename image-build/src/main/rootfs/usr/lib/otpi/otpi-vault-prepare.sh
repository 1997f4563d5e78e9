#!/bin/sh
# OTPi: hand a freshly mounted vault medium's top directory to the appliance.
#
#   otpi-vault-prepare.sh MOUNTPOINT
#
# A stick formatted with a plain `mkfs.ext4 -L OTPI-VAULT` has a root-owned top
# directory, where the appliance (user otpi, no capabilities) could not create its
# vault. Run as root with only CAP_CHOWN and CAP_FOWNER by otpi-vault-prepare.service
# before the appliance is told about the medium. Touches the top directory only:
# vault files are the appliance's own, and a symlink is never followed.
set -eu

DIR=${1:?usage: otpi-vault-prepare.sh MOUNTPOINT}
OWNER=${OTPI_VAULT_OWNER:-otpi}

if [ -L "$DIR" ] || [ ! -d "$DIR" ]; then
    echo "otpi-vault-prepare: $DIR is not a directory" >&2
    exit 1
fi
chown -h "$OWNER:" "$DIR" # and its login group
chmod 0700 "$DIR"
echo "otpi-vault-prepare: $DIR ready for $OWNER"
