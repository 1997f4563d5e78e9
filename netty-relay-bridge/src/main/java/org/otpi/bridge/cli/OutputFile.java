package org.otpi.bridge.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Where {@code seal-file} and {@code open-file} write, checked and created <em>before</em> the
 * device is asked (issue 12, item 1): a typo in the output path must not burn pad or consume a
 * received file. The result goes to a private temp file in the output's own directory (so the
 * final rename cannot fail for being on another file system) and replaces nothing unless the
 * person said {@code --force}; the input itself is never replaced, even with {@code --force}.
 */
final class OutputFile implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private final boolean force;
    private boolean committed;

    private OutputFile(Path target, Path temp, boolean force) {
        this.target = target;
        this.temp = temp;
        this.force = force;
    }

    /** A problem with the paths, found before anything was asked of the device. */
    static final class PathProblem extends IOException {
        private static final long serialVersionUID = 1L;

        PathProblem(String message) {
            super(message);
        }
    }

    /** Checks {@code in} and {@code out} and creates the temp file; throws {@link PathProblem}. */
    static OutputFile prepare(Path in, Path out, boolean force) throws PathProblem {
        if (!Files.isRegularFile(in)) {
            throw new PathProblem(in + ": no such file" + (Files.isDirectory(in) ? " (it is a directory)" : ""));
        }
        if (!Files.isReadable(in)) {
            throw new PathProblem(in + ": cannot read it (permission denied)");
        }
        Path target = out.toAbsolutePath().normalize();
        if (target.equals(in.toAbsolutePath().normalize()) || sameFile(in, out)) {
            throw new PathProblem(out + " is the input file itself: choose another output name"
                    + " (the input is never replaced, not even with --force)");
        }
        if (Files.isDirectory(out)) {
            throw new PathProblem(out + " is a directory: give the output a file name");
        }
        if (Files.exists(out) && !force) {
            throw new PathProblem(out + " already exists: choose another name, or add --force to replace it");
        }
        Path dir = target.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new PathProblem("cannot write " + out + ": the directory " + dir + " does not exist");
        }
        try {
            Path temp = Files.createTempFile(dir, ".otpi-", ".part"); // mode 600
            return new OutputFile(target, temp, force);
        } catch (AccessDeniedException e) {
            throw new PathProblem("cannot write " + out + ": no permission to create files in " + dir);
        } catch (NoSuchFileException e) {
            throw new PathProblem("cannot write " + out + ": the directory " + dir + " does not exist");
        } catch (IOException e) {
            throw new PathProblem("cannot write " + out + ": " + e.getMessage());
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    Path temp() {
        return temp;
    }

    Path target() {
        return target;
    }

    /**
     * Moves the finished temp file into place. If that fails, the result stays in the temp file
     * (whose name the exception gives) rather than being lost.
     */
    void commit() throws IOException {
        try {
            if (force) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } else {
                Files.move(temp, target);
            }
            committed = true;
            PrivateFiles.syncDir(target.getParent());
        } catch (FileAlreadyExistsException e) {
            committed = true; // keep the temp file: it holds the only copy of the result
            throw new IOException(target + " appeared while the device was working: the result is kept in " + temp
                    + "; rename it yourself");
        } catch (IOException e) {
            committed = true;
            throw new IOException("could not move the result into " + target + " (" + e.getMessage()
                    + "): it is kept in " + temp);
        }
    }

    /** Deletes the temp file unless it was committed (or holds a result that could not be moved). */
    @Override
    public void close() {
        if (!committed) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort: a hidden .part file stays behind
            }
        }
    }
}
