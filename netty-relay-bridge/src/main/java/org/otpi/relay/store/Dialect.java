package org.otpi.relay.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/** The few places where SQLite and PostgreSQL need different SQL. */
enum Dialect {
    SQLITE("INTEGER", "BLOB", "REAL", "", "MAX", "MIN", "TRANSACTION_SERIALIZABLE"),
    POSTGRES("BIGINT", "BYTEA", "DOUBLE PRECISION", " FOR UPDATE", "GREATEST", "LEAST", "TRANSACTION_READ_COMMITTED");

    final String bigint;
    final String blob;
    final String real;
    /** Row locks for the rest of the transaction (SQLite has one writer: nothing to lock). */
    final String forUpdate;
    final String greatest;
    final String least;
    /**
     * The isolation every pooled connection is set to. Named explicitly: left to HikariCP, a
     * connection that drops while the pool reads the driver's default (a database restart)
     * leaves the pool asking for level -1 on every later connection, and it never recovers
     * (HikariCP issue 2269).
     */
    final String isolation;

    Dialect(String bigint, String blob, String real, String forUpdate, String greatest, String least,
            String isolation) {
        this.bigint = bigint;
        this.blob = blob;
        this.real = real;
        this.forUpdate = forUpdate;
        this.greatest = greatest;
        this.least = least;
        this.isolation = isolation;
    }

    /** Most values bound in one {@code IN (...)} list. */
    static final int IN_CHUNK = 500;

    /** {@code column IN (?,?,...)} for n values. */
    static String inList(String column, int n) {
        StringBuilder sb = new StringBuilder(column).append(" IN (");
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "?" : ",?");
        }
        return sb.append(')').toString();
    }

    static void bindStrings(PreparedStatement ps, int first, List<String> values) throws SQLException {
        for (int i = 0; i < values.size(); i++) {
            ps.setString(first + i, values.get(i));
        }
    }

    static void bindLongs(PreparedStatement ps, int first, List<Long> values) throws SQLException {
        for (int i = 0; i < values.size(); i++) {
            ps.setLong(first + i, values.get(i));
        }
    }

    boolean tableExists(Connection c, String table) throws SQLException {
        try (var rs = c.getMetaData().getTables(null, null, table, new String[] {"TABLE"})) {
            return rs.next();
        }
    }
}
