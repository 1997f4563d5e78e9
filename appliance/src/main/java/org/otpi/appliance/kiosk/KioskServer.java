package org.otpi.appliance.kiosk;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.otpi.protocol.kiosk.KioskMessage;
import org.tinylog.Logger;

/**
 * The appliance end of the kiosk socket: a Unix domain socket (default
 * {@code /run/otpi/kiosk.sock}) that only the kiosk's user may use.
 *
 * <p>Two locks on the door: the socket file is mode 0600 and owned by the kiosk user (chown needs
 * root or CAP_CHOWN) or, on the device, where the appliance runs as its own user with no
 * capabilities, mode 0660 with a group that only the appliance and the kiosk are in
 * ({@code otpi-ui}); and every accepted connection's peer credentials ({@code SO_PEERCRED}, read
 * by the JDK) must name the kiosk user, or the connection is closed unread and the attempt goes
 * to the security log. The second check also covers the moment between bind and chmod.
 *
 * <p>One accept thread, one reader and one writer thread per connected kiosk, and a small worker
 * pool for backend calls (unlock runs Argon2id). Usually a single kiosk is connected; prompts go
 * to all.
 */
public final class KioskServer implements AutoCloseable {
    /** Where the image puts the socket. */
    public static final Path DEFAULT_PATH = Path.of("/run/otpi/kiosk.sock");
    /** One kiosk is normal; a few allow a restart to overlap. */
    static final int MAX_SESSIONS = 4;

    private final Path path;
    private final UserPrincipal kioskUser;
    private final GroupPrincipal sharedGroup;
    private final KioskBackend backend;
    private final KioskApprover approver;
    private final boolean restrictFileMode;
    private final Set<KioskSession> sessions = new CopyOnWriteArraySet<>();
    private final AtomicLong refused = new AtomicLong();
    private final ExecutorService workers = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "kiosk-worker");
        t.setDaemon(true);
        return t;
    });
    private final KioskBackend.Listener listener = new KioskBackend.Listener() {
        @Override
        public void changed(String what) {
            broadcast(new KioskMessage.Changed(what));
        }

        @Override
        public void alarm(String text) {
            broadcast(new KioskMessage.Alarm(text));
        }
    };
    private ServerSocketChannel server;
    private Thread acceptor;
    private volatile KioskPairingDisplay pairing;

    private KioskServer(Path path, UserPrincipal kioskUser, GroupPrincipal sharedGroup, KioskBackend backend,
                        KioskApprover approver, boolean restrictFileMode) {
        this.path = Objects.requireNonNull(path, "path");
        this.kioskUser = Objects.requireNonNull(kioskUser, "kioskUser");
        this.sharedGroup = sharedGroup;
        this.backend = Objects.requireNonNull(backend, "backend");
        this.approver = Objects.requireNonNull(approver, "approver");
        this.restrictFileMode = restrictFileMode;
    }

    /**
     * Binds the socket at {@code path} for {@code kioskUser} (a system user name, e.g.
     * {@code otpi-kiosk}) and starts accepting.
     */
    public static KioskServer start(Path path, String kioskUser, KioskBackend backend, KioskApprover approver)
            throws IOException {
        return start(path, kioskUser, null, backend, approver);
    }

    /**
     * As {@link #start(Path, String, KioskBackend, KioskApprover)}, but when {@code sharedGroup} is
     * given the socket is not handed to the kiosk user (no chown, so no capability is needed): it
     * gets that group and mode 0660. The peer-credential check still admits only {@code kioskUser}.
     */
    public static KioskServer start(Path path, String kioskUser, String sharedGroup, KioskBackend backend,
                                    KioskApprover approver) throws IOException {
        UserPrincipalLookupService names = FileSystems.getDefault().getUserPrincipalLookupService();
        UserPrincipal user = names.lookupPrincipalByName(kioskUser);
        GroupPrincipal group = sharedGroup == null ? null : names.lookupPrincipalByGroupName(sharedGroup);
        KioskServer s = new KioskServer(path, user, group, backend, approver, true);
        s.bind();
        return s;
    }

    /** Test hook: {@code restrictFileMode=false} leaves the file world-connectable, so the
     *  peer-credential check alone is exercised. */
    static KioskServer start(Path path, UserPrincipal kioskUser, KioskBackend backend, KioskApprover approver,
                             boolean restrictFileMode) throws IOException {
        KioskServer s = new KioskServer(path, kioskUser, null, backend, approver, restrictFileMode);
        s.bind();
        return s;
    }

    private void bind() throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        }
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(path + " exists and is not a socket");
            }
            Files.delete(path); // a stale socket from a previous run
        }
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(restrictFileMode ? "rw-------" : "rw-rw-rw-"));
        if (sharedGroup != null) {
            // On the device the directory is setgid to the group, so the socket is born with it and
            // no chown call is made at all (the appliance's system-call filter refuses chown).
            // Elsewhere, changing to a group we are a member of needs no capability.
            PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            if (!view.readAttributes().group().equals(sharedGroup)) {
                view.setGroup(sharedGroup);
            }
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
        } else if (!Files.getOwner(path, LinkOption.NOFOLLOW_LINKS).equals(kioskUser)) {
            Files.setOwner(path, kioskUser);
        }
        approver.attach(this);
        backend.addListener(listener);
        acceptor = new Thread(this::acceptLoop, "kiosk-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        Logger.info("kiosk socket {} for user {}{}", path, kioskUser.getName(),
                sharedGroup == null ? "" : " (through group " + sharedGroup.getName() + ")");
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                Logger.warn("kiosk accept failed: {}", e.toString());
                continue;
            }
            try {
                UnixDomainPrincipal peer = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
                if (!kioskUser.equals(peer.user())) {
                    refused.incrementAndGet();
                    Logger.tag("security").warn("kiosk socket: refused connection from user {}", peer.user().getName());
                    ch.close();
                    continue;
                }
                if (sessions.size() >= MAX_SESSIONS) {
                    Logger.tag("security").warn("kiosk socket: {} sessions open, refusing another", sessions.size());
                    ch.close();
                    continue;
                }
                KioskSession session = new KioskSession(ch, this, new KioskHandler(backend, approver, workers));
                sessions.add(session);
                session.start();
                approver.replay(session);
                KioskPairingDisplay p = pairing;
                if (p != null) {
                    p.replay(session);
                }
                Logger.info("kiosk connected ({} sessions)", sessions.size());
            } catch (IOException | RuntimeException e) {
                Logger.warn("kiosk connection dropped: {}", e.toString());
                closeQuietly(ch);
            }
        }
    }

    void attachPairing(KioskPairingDisplay display) {
        pairing = display;
    }

    void sessionClosed(KioskSession session) {
        if (sessions.remove(session)) {
            Logger.info("kiosk disconnected ({} sessions)", sessions.size());
            if (sessions.isEmpty()) {
                approver.lastSessionClosed();
            }
        }
    }

    void broadcast(KioskMessage message) {
        for (KioskSession s : sessions) {
            s.send(message);
        }
    }

    /** Connected kiosks. */
    public int sessionCount() {
        return sessions.size();
    }

    /** Connections closed because the peer was not the kiosk user. */
    public long refusedConnections() {
        return refused.get();
    }

    public Path path() {
        return path;
    }

    @Override
    public void close() {
        closeQuietly(server);
        backend.removeListener(listener);
        for (KioskSession s : sessions) {
            s.close();
        }
        workers.shutdownNow();
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            Logger.warn("cannot remove {}: {}", path, e.toString());
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
