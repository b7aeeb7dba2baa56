package dev.gips.cli;

/** A command line the tool cannot run; its message says what is wrong. Exit status 2. */
final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
