package dev.gips.macos;

/**
 * Names for the numbers Mach calls return: {@code kern_return_t} ({@code <mach/kern_return.h>}),
 * {@code mach_msg_return_t} ({@code <mach/message.h>}) and bootstrap codes ({@code <servers/bootstrap_defs.h>}).
 */
final class KernReturn {
    private KernReturn() {}

    static final int KERN_SUCCESS = 0;
    static final int KERN_INVALID_ADDRESS = 1;
    static final int KERN_PROTECTION_FAILURE = 2;
    static final int KERN_NO_SPACE = 3;
    static final int KERN_INVALID_ARGUMENT = 4;
    static final int KERN_FAILURE = 5;
    static final int KERN_RESOURCE_SHORTAGE = 6;
    static final int KERN_INVALID_NAME = 15;
    static final int KERN_INVALID_TASK = 16;
    static final int KERN_INVALID_RIGHT = 17;
    static final int KERN_INVALID_VALUE = 18;
    static final int KERN_UREFS_OVERFLOW = 19;
    static final int KERN_INVALID_CAPABILITY = 20;

    /** {@code NAME (0x…)} for error messages. */
    static String describe(int code) {
        return name(code) + " (0x" + Integer.toHexString(code) + ")";
    }

    static String name(int code) {
        return switch (code) {
            case KERN_SUCCESS -> "KERN_SUCCESS";
            case KERN_INVALID_ADDRESS -> "KERN_INVALID_ADDRESS";
            case KERN_PROTECTION_FAILURE -> "KERN_PROTECTION_FAILURE";
            case KERN_NO_SPACE -> "KERN_NO_SPACE";
            case KERN_INVALID_ARGUMENT -> "KERN_INVALID_ARGUMENT";
            case KERN_FAILURE -> "KERN_FAILURE";
            case KERN_RESOURCE_SHORTAGE -> "KERN_RESOURCE_SHORTAGE";
            case KERN_INVALID_NAME -> "KERN_INVALID_NAME";
            case KERN_INVALID_TASK -> "KERN_INVALID_TASK";
            case KERN_INVALID_RIGHT -> "KERN_INVALID_RIGHT";
            case KERN_INVALID_VALUE -> "KERN_INVALID_VALUE";
            case KERN_UREFS_OVERFLOW -> "KERN_UREFS_OVERFLOW";
            case KERN_INVALID_CAPABILITY -> "KERN_INVALID_CAPABILITY";
            case Bootstrap.BOOTSTRAP_NOT_PRIVILEGED -> "BOOTSTRAP_NOT_PRIVILEGED";
            case Bootstrap.BOOTSTRAP_NAME_IN_USE -> "BOOTSTRAP_NAME_IN_USE";
            case Bootstrap.BOOTSTRAP_UNKNOWN_SERVICE -> "BOOTSTRAP_UNKNOWN_SERVICE";
            case Bootstrap.BOOTSTRAP_SERVICE_ACTIVE -> "BOOTSTRAP_SERVICE_ACTIVE";
            case Bootstrap.BOOTSTRAP_BAD_COUNT -> "BOOTSTRAP_BAD_COUNT";
            case Bootstrap.BOOTSTRAP_NO_MEMORY -> "BOOTSTRAP_NO_MEMORY";
            case Bootstrap.BOOTSTRAP_NO_CHILDREN -> "BOOTSTRAP_NO_CHILDREN";
            case MachMessage.MACH_SEND_INVALID_DEST -> "MACH_SEND_INVALID_DEST";
            case MachMessage.MACH_SEND_TIMED_OUT -> "MACH_SEND_TIMED_OUT";
            case MachMessage.MACH_SEND_INTERRUPTED -> "MACH_SEND_INTERRUPTED";
            case 0x10000002 -> "MACH_SEND_INVALID_DATA";
            case 0x10000008 -> "MACH_SEND_MSG_TOO_SMALL";
            case 0x1000000a -> "MACH_SEND_INVALID_RIGHT";
            case 0x1000000c -> "MACH_SEND_INVALID_MEMORY";
            case MachMessage.MACH_SEND_NO_BUFFER -> "MACH_SEND_NO_BUFFER";
            case MachMessage.MACH_SEND_TOO_LARGE -> "MACH_SEND_TOO_LARGE";
            case 0x1000000f -> "MACH_SEND_INVALID_TYPE";
            case 0x10000010 -> "MACH_SEND_INVALID_HEADER";
            case MachMessage.MACH_RCV_IN_PROGRESS -> "MACH_RCV_IN_PROGRESS";
            case MachMessage.MACH_RCV_INVALID_NAME -> "MACH_RCV_INVALID_NAME";
            case MachMessage.MACH_RCV_TIMED_OUT -> "MACH_RCV_TIMED_OUT";
            case MachMessage.MACH_RCV_TOO_LARGE -> "MACH_RCV_TOO_LARGE";
            case MachMessage.MACH_RCV_INTERRUPTED -> "MACH_RCV_INTERRUPTED";
            case MachMessage.MACH_RCV_PORT_CHANGED -> "MACH_RCV_PORT_CHANGED";
            case MachMessage.MACH_RCV_PORT_DIED -> "MACH_RCV_PORT_DIED";
            case 0x1000400b -> "MACH_RCV_HEADER_ERROR";
            case 0x1000400c -> "MACH_RCV_BODY_ERROR";
            case 0x1000400f -> "MACH_RCV_INVALID_TRAILER";
            default -> "error";
        };
    }
}
