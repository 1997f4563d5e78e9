package org.otpi.relay;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;

/**
 * Optional TLS for the relay. The relay is untrusted anyway (packages are sealed end to end);
 * TLS only hides who talks to whom from the network and protects account tokens in transit.
 *
 * <p>{@link #makeSelfSigned} runs the JDK's {@code keytool} (no extra library): an EC P-256 key
 * and self-signed certificate in a PKCS#12 file, its random password in a 0600 file, and the
 * certificate in PEM for clients to pin.
 */
public final class RelayTls {
    static final String ALIAS = "otpi-relay";

    private RelayTls() {
    }

    /** A Netty server context from a PKCS#12 file. The password array is wiped. */
    public static SslContext serverContext(Path pkcs12, char[] password) throws IOException, GeneralSecurityException {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(pkcs12)) {
                ks.load(in, password);
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            return SslContextBuilder.forServer(kmf).protocols("TLSv1.3", "TLSv1.2").build();
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    /** Reads a password file (first line) into a char array. */
    public static char[] readPassword(Path file) throws IOException {
        byte[] raw = Files.readAllBytes(file);
        try {
            int end = 0;
            while (end < raw.length && raw[end] != '\n' && raw[end] != '\r') {
                end++;
            }
            java.nio.CharBuffer cb = StandardCharsets.UTF_8.decode(java.nio.ByteBuffer.wrap(raw, 0, end));
            char[] out = new char[cb.remaining()];
            cb.get(out);
            Arrays.fill(cb.array(), '\0');
            return out;
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    /**
     * Makes a self-signed certificate with keytool.
     *
     * @param pkcs12 keystore to create (must not exist)
     * @param passwordFile created with a random password, mode 0600 (if it does not exist)
     * @param certPem the certificate in PEM, for clients
     * @param names DNS names and IP addresses for the subjectAltName (the first is the CN)
     * @return the certificate's SHA-256 fingerprint (hex)
     */
    public static String makeSelfSigned(Path pkcs12, Path passwordFile, Path certPem, List<String> names, int days)
            throws IOException, GeneralSecurityException, InterruptedException {
        if (Files.exists(pkcs12)) {
            throw new IOException("refusing to overwrite " + pkcs12);
        }
        if (!Files.exists(passwordFile)) {
            byte[] pw = new byte[24];
            new SecureRandom().nextBytes(pw);
            Files.createFile(passwordFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(passwordFile, Base64.getUrlEncoder().withoutPadding().encodeToString(pw) + "\n");
        }
        StringBuilder san = new StringBuilder();
        for (String n : names) {
            if (san.length() > 0) {
                san.append(',');
            }
            san.append(n.matches("[0-9.]+|.*:.*") ? "ip:" : "dns:").append(n);
        }
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(List.of(keytool, "-genkeypair", "-alias", ALIAS, "-keyalg", "EC", "-groupname", "secp256r1",
                "-sigalg", "SHA256withECDSA", "-dname", "CN=" + names.get(0), "-ext", "SAN=" + san,
                "-validity", Integer.toString(days), "-storetype", "PKCS12", "-keystore", pkcs12.toString(),
                "-storepass:file", passwordFile.toString()));
        run(List.of(keytool, "-exportcert", "-rfc", "-alias", ALIAS, "-keystore", pkcs12.toString(), "-storetype",
                "PKCS12", "-storepass:file", passwordFile.toString(), "-file", certPem.toString()));
        char[] pw = readPassword(passwordFile);
        try (InputStream in = Files.newInputStream(pkcs12)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, pw);
            Certificate cert = ks.getCertificate(ALIAS);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } finally {
            Arrays.fill(pw, '\0');
        }
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("keytool timed out");
        }
        if (p.exitValue() != 0) {
            throw new IOException("keytool failed: " + new String(out, StandardCharsets.UTF_8).trim());
        }
    }
}
