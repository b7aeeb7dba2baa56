package dev.gips.windows;

/** The {@code GetLastError} codes the backend acts on ({@code winerror.h}), with names for messages. */
final class WinError {
    private WinError() {}

    static final int ERROR_FILE_NOT_FOUND = 2;
    static final int ERROR_ACCESS_DENIED = 5;
    static final int ERROR_INVALID_HANDLE = 6;
    static final int ERROR_NOT_ENOUGH_MEMORY = 8;
    static final int ERROR_NETNAME_DELETED = 64;
    static final int ERROR_INVALID_PARAMETER = 87;
    static final int ERROR_BROKEN_PIPE = 109;
    static final int ERROR_SEM_TIMEOUT = 121;
    static final int ERROR_INSUFFICIENT_BUFFER = 122;
    static final int ERROR_ALREADY_EXISTS = 183;
    static final int ERROR_PIPE_BUSY = 231;
    static final int ERROR_NO_DATA = 232;
    static final int ERROR_PIPE_NOT_CONNECTED = 233;
    static final int ERROR_MORE_DATA = 234;
    static final int WAIT_TIMEOUT = 258;
    static final int ERROR_PIPE_CONNECTED = 535;
    static final int ERROR_OPERATION_ABORTED = 995;
    static final int ERROR_IO_PENDING = 997;
    static final int ERROR_CONNECTION_INVALID = 1229;
    static final int ERROR_NONE_MAPPED = 1332;
    static final int ERROR_CANNOT_IMPERSONATE = 1368;

    private static final String[][] TABLE = {
        {"2", "ERROR_FILE_NOT_FOUND", "The system cannot find the file specified"},
        {"5", "ERROR_ACCESS_DENIED", "Access is denied"},
        {"6", "ERROR_INVALID_HANDLE", "The handle is invalid"},
        {"8", "ERROR_NOT_ENOUGH_MEMORY", "Not enough memory resources are available"},
        {"64", "ERROR_NETNAME_DELETED", "The specified network name is no longer available"},
        {"87", "ERROR_INVALID_PARAMETER", "The parameter is incorrect"},
        {"109", "ERROR_BROKEN_PIPE", "The pipe has been ended"},
        {"121", "ERROR_SEM_TIMEOUT", "The semaphore timeout period has expired"},
        {"122", "ERROR_INSUFFICIENT_BUFFER", "The data area passed to a system call is too small"},
        {"183", "ERROR_ALREADY_EXISTS", "Cannot create a file when that file already exists"},
        {"231", "ERROR_PIPE_BUSY", "All pipe instances are busy"},
        {"232", "ERROR_NO_DATA", "The pipe is being closed"},
        {"233", "ERROR_PIPE_NOT_CONNECTED", "No process is on the other end of the pipe"},
        {"234", "ERROR_MORE_DATA", "More data is available"},
        {"258", "WAIT_TIMEOUT", "The wait operation timed out"},
        {"535", "ERROR_PIPE_CONNECTED", "There is a process on other end of the pipe"},
        {"995", "ERROR_OPERATION_ABORTED", "The I/O operation has been aborted"},
        {"997", "ERROR_IO_PENDING", "Overlapped I/O operation is in progress"},
        {"1229", "ERROR_CONNECTION_INVALID", "An operation was attempted on a nonexistent network connection"},
        {"1332", "ERROR_NONE_MAPPED", "No mapping between account names and security IDs was done"},
        {"1368", "ERROR_CANNOT_IMPERSONATE", "Unable to impersonate using a named pipe until data has been read"},
    };

    /** {@code ERROR_PIPE_BUSY: All pipe instances are busy}, or {@code error 1234} for a code not in the table. */
    static String describe(int code) {
        for (String[] row : TABLE) {
            if (Integer.parseInt(row[0]) == code) {
                return row[1] + ": " + row[2];
            }
        }
        return "error " + Integer.toUnsignedString(code);
    }

    /** Whether {@code code} means the peer is gone (the pipe broke or was disconnected). */
    static boolean isDisconnect(int code) {
        return code == ERROR_BROKEN_PIPE || code == ERROR_NO_DATA || code == ERROR_PIPE_NOT_CONNECTED
                || code == ERROR_NETNAME_DELETED || code == ERROR_CONNECTION_INVALID;
    }
}
