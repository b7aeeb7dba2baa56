package dev.gips.linux;

import static dev.gips.linux.Native.C_INT;
import static dev.gips.linux.Native.C_POINTER;
import static dev.gips.linux.Native.C_SIZE_T;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/** Bindings for {@code <pwd.h>} and {@code <grp.h>}: the user and group databases (through NSS). */
final class Pwd {
    private Pwd() {}

    /**
     * {@code struct passwd { char *pw_name; char *pw_passwd; uid_t pw_uid; gid_t pw_gid; char *pw_gecos;
     * char *pw_dir; char *pw_shell; }}
     */
    static final StructLayout PASSWD = MemoryLayout.structLayout(
            C_POINTER.withName("pw_name"),
            C_POINTER.withName("pw_passwd"),
            C_INT.withName("pw_uid"),
            C_INT.withName("pw_gid"),
            C_POINTER.withName("pw_gecos"),
            C_POINTER.withName("pw_dir"),
            C_POINTER.withName("pw_shell")).withName("passwd");
    static final long PW_UID = PASSWD.byteOffset(groupElement("pw_uid"));

    /** {@code struct group { char *gr_name; char *gr_passwd; gid_t gr_gid; char **gr_mem; }} */
    static final StructLayout GROUP = MemoryLayout.structLayout(
            C_POINTER.withName("gr_name"),
            C_POINTER.withName("gr_passwd"),
            C_INT.withName("gr_gid"),
            MemoryLayout.paddingLayout(4),
            C_POINTER.withName("gr_mem")).withName("group");
    static final long GR_GID = GROUP.byteOffset(groupElement("gr_gid"));

    // both return an error number rather than setting errno
    private static final class GetpwnamR {
        static final MethodHandle getpwnam_r = Native.downcall("getpwnam_r",
                FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER, C_SIZE_T, C_POINTER));
    }
    private static final class GetgrnamR {
        static final MethodHandle getgrnam_r = Native.downcall("getgrnam_r",
                FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER, C_SIZE_T, C_POINTER));
    }

    /** {@code int getpwnam_r(const char *name, struct passwd *pwd, char *buf, size_t buflen, struct passwd **result);} */
    static int getpwnam_r(MemorySegment name, MemorySegment pwd, MemorySegment buf, long buflen, MemorySegment result) {
        try {
            return (int) GetpwnamR.getpwnam_r.invokeExact(name, pwd, buf, buflen, result);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int getgrnam_r(const char *name, struct group *grp, char *buf, size_t buflen, struct group **result);} */
    static int getgrnam_r(MemorySegment name, MemorySegment grp, MemorySegment buf, long buflen, MemorySegment result) {
        try {
            return (int) GetgrnamR.getgrnam_r.invokeExact(name, grp, buf, buflen, result);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }
}
