package dev.gips.macos;

import static dev.gips.macos.Native.C_INT;
import static dev.gips.macos.Native.C_LONG;
import static dev.gips.macos.Native.C_POINTER;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** Bindings for macOS {@code <pwd.h>} and {@code <grp.h>}; the {@code _r} calls return an errno. */
final class Pwd {
    private Pwd() {}

    /** macOS {@code struct passwd} (BSD: has {@code pw_change}, {@code pw_class}, {@code pw_expire}). */
    static final StructLayout PASSWD = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("pw_name"),
            ValueLayout.ADDRESS.withName("pw_passwd"),
            ValueLayout.JAVA_INT.withName("pw_uid"),
            ValueLayout.JAVA_INT.withName("pw_gid"),
            ValueLayout.JAVA_LONG.withName("pw_change"),
            ValueLayout.ADDRESS.withName("pw_class"),
            ValueLayout.ADDRESS.withName("pw_gecos"),
            ValueLayout.ADDRESS.withName("pw_dir"),
            ValueLayout.ADDRESS.withName("pw_shell"),
            ValueLayout.JAVA_LONG.withName("pw_expire")).withName("passwd");
    static final long PW_NAME = PASSWD.byteOffset(groupElement("pw_name"));
    static final long PW_UID = PASSWD.byteOffset(groupElement("pw_uid"));

    /** {@code struct group}. */
    static final StructLayout GROUP = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("gr_name"),
            ValueLayout.ADDRESS.withName("gr_passwd"),
            ValueLayout.JAVA_INT.withName("gr_gid"),
            MemoryLayout.paddingLayout(4),
            ValueLayout.ADDRESS.withName("gr_mem")).withName("group");
    static final long GR_GID = GROUP.byteOffset(groupElement("gr_gid"));

    private static final class GetpwnamR {
        static final MethodHandle getpwnam_r = Native.downcall("getpwnam_r",
                FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER, C_LONG, C_POINTER));
    }
    private static final class GetpwuidR {
        static final MethodHandle getpwuid_r = Native.downcall("getpwuid_r",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER, C_LONG, C_POINTER));
    }
    private static final class GetgrnamR {
        static final MethodHandle getgrnam_r = Native.downcall("getgrnam_r",
                FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER, C_LONG, C_POINTER));
    }

    /** {@code int getpwnam_r(const char *, struct passwd *, char *, size_t, struct passwd **);} */
    static int getpwnam_r(MemorySegment name, MemorySegment pwd, MemorySegment buf, long size, MemorySegment result) {
        try {
            return (int) GetpwnamR.getpwnam_r.invokeExact(name, pwd, buf, size, result);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int getpwuid_r(uid_t, struct passwd *, char *, size_t, struct passwd **);} */
    static int getpwuid_r(int uid, MemorySegment pwd, MemorySegment buf, long size, MemorySegment result) {
        try {
            return (int) GetpwuidR.getpwuid_r.invokeExact(uid, pwd, buf, size, result);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int getgrnam_r(const char *, struct group *, char *, size_t, struct group **);} */
    static int getgrnam_r(MemorySegment name, MemorySegment grp, MemorySegment buf, long size, MemorySegment result) {
        try {
            return (int) GetgrnamR.getgrnam_r.invokeExact(name, grp, buf, size, result);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }
}
