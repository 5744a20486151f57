package org.transformer4j;

/**
 * An error caused by the user's input: a bad file, a wrong shape, an unknown option value. Its message is meant
 * to be shown to the user as it is, on one line, naming the file, tensor, key or line at fault. The CLI prints
 * it without a stack trace and exits non-zero.
 */
public class T4jException extends RuntimeException {
    public T4jException(String message) {
        super(message);
    }

    public T4jException(String message, Throwable cause) {
        super(message, cause);
    }
}
