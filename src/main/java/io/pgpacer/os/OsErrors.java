package io.pgpacer.os;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;

/**
 * The OS's reason for a failed file or network operation, in its own words and without the JDK's class names:
 * {@code /x/repl.secret: no such file or directory}, not {@code NoSuchFileException: /x/repl.secret}.
 */
public final class OsErrors {

    private OsErrors() {
    }

    /** The path (when there is one) and the reason, e.g. {@code /srv/state: permission denied}. */
    public static String describe(IOException e) {
        if (e instanceof FileSystemException fs) {
            String where = fs.getFile() == null ? "" : fs.getFile()
                    + (fs.getOtherFile() == null ? "" : " -> " + fs.getOtherFile()) + ": ";
            return where + reason(e);
        }
        return reason(e);
    }

    /** The reason alone, e.g. {@code permission denied} or {@code connection refused}. */
    public static String reason(IOException e) {
        // why the types first: the JDK leaves the message of these null, or sets it to the path alone.
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "already exists";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "directory not empty";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return lowerFirst(fs.getReason());
        }
        if (e instanceof HttpConnectTimeoutException) {
            return "no connection within the timeout";
        }
        if (e instanceof HttpTimeoutException || e instanceof SocketTimeoutException) {
            return "no answer within the timeout";
        }
        if (e instanceof UnknownHostException) {
            return "unknown host " + e.getMessage();
        }
        if (e.getMessage() != null && !e.getMessage().isBlank()) {
            return lowerFirst(e.getMessage().strip());
        }
        if (e instanceof ConnectException || e.getCause() instanceof ConnectException) {
            return "connection refused";
        }
        if (e instanceof NoRouteToHostException) {
            return "no route to host";
        }
        return e.getCause() instanceof IOException cause ? reason(cause) : "input/output error";
    }

    private static String lowerFirst(String text) {
        // "Not a directory" -> "not a directory", but an acronym such as "SSL ..." stays as it is.
        if (text.length() > 1 && Character.isUpperCase(text.charAt(0)) && Character.isLowerCase(text.charAt(1))) {
            return text.substring(0, 1).toLowerCase(Locale.ROOT) + text.substring(1);
        }
        return text;
    }
}
