package org.otpi.appliance.vault;

import java.nio.file.Path;
import java.time.Clock;

/**
 * Child process for the PIN crash tests: one unlock attempt, its result printed only after the
 * vault code returned (as the kiosk would show it). The test kills it with SIGKILL mid-attempt.
 */
public final class UnlockMain {
    static final VaultPolicy NO_DELAYS = new VaultPolicy(10, 10, 0, 0, 10);

    public static void main(String[] args) throws Exception {
        System.out.println("BEGIN");
        System.out.flush();
        try (Vault v = Vault.unlock(Path.of(args[0]), Path.of(args[1]), args[2].toCharArray(), NO_DELAYS,
                Clock.systemUTC())) {
            System.out.println("RESULT OK " + v.deviceId());
        } catch (VaultException e) {
            System.out.println("RESULT " + e.kind());
        }
        System.out.flush();
    }
}
