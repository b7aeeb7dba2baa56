package dev.gips.macos;

import static dev.gips.macos.Native.C_INT;
import static dev.gips.macos.Native.C_POINTER;
import static dev.gips.macos.Native.ERRNO;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** Bindings for macOS {@code <sys/stat.h>}: {@code fstat} with the 64-bit-inode {@code struct stat}. */
final class SysStat {
    private SysStat() {}

    /** {@code struct stat} as compiled with {@code _DARWIN_FEATURE_64_BIT_INODE} (the default since 10.6). */
    static final StructLayout STAT = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("st_dev"),
            ValueLayout.JAVA_SHORT.withName("st_mode"),
            ValueLayout.JAVA_SHORT.withName("st_nlink"),
            ValueLayout.JAVA_LONG.withName("st_ino"),
            ValueLayout.JAVA_INT.withName("st_uid"),
            ValueLayout.JAVA_INT.withName("st_gid"),
            ValueLayout.JAVA_INT.withName("st_rdev"),
            MemoryLayout.paddingLayout(4),
            MemoryLayout.sequenceLayout(8, ValueLayout.JAVA_LONG).withName("st_times"),
            ValueLayout.JAVA_LONG.withName("st_size"),
            ValueLayout.JAVA_LONG.withName("st_blocks"),
            ValueLayout.JAVA_INT.withName("st_blksize"),
            ValueLayout.JAVA_INT.withName("st_flags"),
            ValueLayout.JAVA_INT.withName("st_gen"),
            ValueLayout.JAVA_INT.withName("st_lspare"),
            MemoryLayout.sequenceLayout(2, ValueLayout.JAVA_LONG).withName("st_qspare")).withName("stat");
    static final long ST_DEV = STAT.byteOffset(groupElement("st_dev"));
    static final long ST_INO = STAT.byteOffset(groupElement("st_ino"));
    static final long ST_SIZE = STAT.byteOffset(groupElement("st_size"));

    // x86_64 keeps the 32-bit-inode fstat under the plain name; arm64 has only the 64-bit one
    private static final class Fstat {
        static final MethodHandle fstat = Native.downcall(
                System.getProperty("os.arch", "").equals("aarch64") ? "fstat" : "fstat$INODE64",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER), ERRNO);
    }

    /** {@code int fstat(int fd, struct stat *buf);} */
    static int fstat(MemorySegment errno, int fd, MemorySegment buf) {
        try {
            return (int) Fstat.fstat.invokeExact(errno, fd, buf);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }
}
