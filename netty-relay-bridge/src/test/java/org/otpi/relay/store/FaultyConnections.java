package org.otpi.relay.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake at the edge: real connections (SQLite or PostgreSQL) wrapped so that a test can make
 * them fail the way a lost database connection does. {@link #breakOpenConnections()} turns every
 * connection opened so far into a dead one (every call throws SQLState 08006, {@code isValid}
 * is false), as after a database restart; new connections work. {@link #failNextCommitAfterItCommits()}
 * lets the next COMMIT succeed on the database and then throws as if the answer was lost.
 */
final class FaultyConnections implements JdbcRelayStore.ConnectionFactory {
    private final JdbcRelayStore.ConnectionFactory real;
    private final List<Handler> open = new CopyOnWriteArrayList<>();
    private final AtomicBoolean cutNextCommit = new AtomicBoolean();
    final AtomicInteger opened = new AtomicInteger();
    final AtomicInteger commitsCutOff = new AtomicInteger();

    FaultyConnections(JdbcRelayStore.ConnectionFactory real) {
        this.real = real;
    }

    @Override
    public Connection open() throws SQLException {
        Handler h = new Handler(real.open());
        open.add(h);
        opened.incrementAndGet();
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, h);
    }

    void breakOpenConnections() {
        for (Handler h : open) {
            h.dead = true;
        }
    }

    void failNextCommitAfterItCommits() {
        cutNextCommit.set(true);
    }

    private final class Handler implements InvocationHandler {
        final Connection target;
        volatile boolean dead;

        Handler(Connection target) {
            this.target = target;
        }

        @Override
        public Object invoke(Object proxy, java.lang.reflect.Method m, Object[] args) throws Throwable {
            String name = m.getName();
            boolean throwsSql = java.util.Arrays.asList(m.getExceptionTypes()).contains(SQLException.class);
            if (dead && throwsSql) {
                switch (name) {
                    case "isValid" -> {
                        return false;
                    }
                    case "isClosed" -> {
                        return false;
                    }
                    case "close", "abort" -> {
                        open.remove(this);
                        try {
                            target.close();
                        } catch (SQLException ignored) {
                            // already broken
                        }
                        return null;
                    }
                    default -> throw new SQLException("connection lost (test)", "08006");
                }
            }
            try {
                Object r = m.invoke(target, args);
                if (name.equals("commit") && cutNextCommit.compareAndSet(true, false)) {
                    commitsCutOff.incrementAndGet();
                    dead = true;
                    throw new SQLException("connection lost during commit (test)", "08006");
                }
                if (name.equals("close")) {
                    open.remove(this);
                }
                return r;
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }
}
