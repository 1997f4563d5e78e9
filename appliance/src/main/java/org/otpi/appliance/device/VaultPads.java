package org.otpi.appliance.device;

import java.io.IOException;
import java.io.InputStream;
import org.otpi.appliance.entropy.PadOrigin;
import org.otpi.appliance.entropy.PadSink;
import org.otpi.appliance.exchange.PadExport;
import org.otpi.appliance.exchange.PadImport;
import org.otpi.appliance.exchange.TransferInfo;
import org.otpi.appliance.pad.InsecurePadAccess;
import org.otpi.appliance.securitylog.Redact;
import org.otpi.appliance.vault.PadStats;
import org.otpi.appliance.vault.Vault;
import org.otpi.appliance.vault.VaultException;

/**
 * The vault behind the entropy and exchange seams: generated and received pads are written
 * straight into the encrypted medium (all or nothing), and a pad leaves only sealed under a
 * transfer code.
 */
public final class VaultPads {
    private VaultPads() {
    }

    /**
     * A pad the vault would not take. {@link #getMessage()} is for the person's screen and may
     * name devices and contacts; {@link #logText()} is for the security log file and does not.
     */
    public static final class ImportRefused extends IOException {
        private static final long serialVersionUID = 1L;
        private final String logText;

        ImportRefused(String screenText, String logText, Throwable cause) {
            super(screenText, cause);
            this.logText = logText;
        }

        static ImportRefused of(VaultException e) {
            return new ImportRefused(e.getMessage(), "refused by the vault (" + e.kind() + ")", e);
        }

        public String logText() {
            return logText;
        }
    }

    /** A sink that stores a new pad for a new contact. */
    public static PadSink sink(Vault vault, String contact, String remoteId, long size, String source)
            throws VaultException {
        Vault.NewPad pad = vault.beginPad(contact, remoteId, size, source, "message", null);
        return new PadSink() {
            private boolean finished;

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (finished) {
                    throw new IllegalStateException("sink finished");
                }
                pad.write(b, off, len);
            }

            @Override
            public void commit() throws IOException {
                if (finished) {
                    throw new IllegalStateException("sink finished");
                }
                finished = true;
                try {
                    pad.commit();
                } catch (VaultException e) {
                    throw ImportRefused.of(e);
                }
            }

            @Override
            public void abort() {
                finished = true;
                pad.abort();
            }
        };
    }

    /** A contact's pad on its way to the other person in the in-person exchange. */
    public static PadExport export(Vault vault, String contact) throws VaultException {
        PadStats s = vault.stats(contact);
        return new PadExport() {
            @Override
            public long size() {
                return s.size();
            }

            @Override
            public PadOrigin origin() {
                return PadOrigin.ofLabel(s.source());
            }

            @Override
            public InputStream openForTransfer() throws IOException {
                try {
                    // The exchange seals these bytes under the transfer code as it reads them.
                    return vault.openPadForTransfer(contact, InsecurePadAccess.iUnderstandThisMovesPadBytes());
                } catch (VaultException e) {
                    throw new IOException(e.getMessage(), e);
                }
            }
        };
    }

    /** Where a received pad goes: a new contact named {@code contact}, whose id is the sender's. */
    public static PadImport importer(Vault vault, String contact) {
        return (TransferInfo info) -> {
            if (!info.receiverId().equals(vault.deviceId())) {
                throw new ImportRefused("this pad was made for " + info.receiverId() + ", not for this device",
                        "made for another device (" + Redact.contact(info.receiverId()) + ")", null);
            }
            try {
                return sink(vault, contact, info.senderId(), info.size(), "imported");
            } catch (VaultException e) {
                throw ImportRefused.of(e);
            }
        };
    }
}
