package dev.gips.linux;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every constant, struct size and field offset of the Linux bindings, checked against the system's C headers: the
 * test writes a C program that prints each value, compiles it with {@code gcc -D_GNU_SOURCE}, runs it and compares.
 * gcc is required: without it the test fails, it never skips.
 */
class NativeLayoutTest {

    /** The binding classes whose constants and layouts must all be checked. */
    private static final List<Class<?>> BINDINGS = List.of(SysSocket.class, SysEpoll.class, SysStat.class,
            SysMman.class, Fcntl.class, Poll.class, Unistd.class, Pwd.class, Errno.class, Native.class);

    /**
     * Constants that no userspace header declares, each checked by its own test: SCM_MAX_FD lives in the kernel's
     * include/net/scm.h ({@link #scmMaxFdIsTheKernels253}).
     */
    private static final Set<String> KERNEL_ONLY = Set.of("SysSocket.SCM_MAX_FD");

    /** Struct layouts that describe no C struct: the JDK defines the errno capture layout itself. */
    private static final Set<String> NOT_C_STRUCTS = Set.of("Native.CAPTURE_LAYOUT");

    /** Constants that no C header defines: where errno sits in the JDK's capture layout. */
    private static final Set<String> NOT_C_CONSTANTS = Set.of("Native.ERRNO_OFFSET");

    private enum Group { CONSTANT, TYPE, LAYOUT, MACRO }

    /**
     * One value compared with C.
     *
     * @param symbol  what the failure message names
     * @param field   {@code Class.FIELD} of the Java constant checked, or null
     * @param java    the Java value
     * @param c       a C expression for the same value
     * @param atLeast whether Java may be larger than C (alignments), rather than equal
     */
    private record Check(Group group, String symbol, String field, long java, String c, boolean atLeast) {}

    private static final List<Check> CHECKS = new ArrayList<>();
    /** The struct layouts checked, as {@code Class.FIELD}. */
    private static final Set<String> STRUCTS = new HashSet<>();

    static {
        constants();
        types();
        layouts();
        cmsgMacros();
    }

    /** Value of each check, by index in {@link #CHECKS}; absent when the header lacks the symbol. */
    private static Map<Integer, Long> cValues;
    /** glibc's {@code strerrorname_np} and {@code strerror} for every errno it names. */
    private static Map<Integer, String[]> cErrno;

    // ------------------------------------------------------------------------------------------------------------
    // What is checked

    private static void constants() {
        Class<?> s = SysSocket.class;
        constant(s, "AF_UNIX", SysSocket.AF_UNIX);
        constant(s, "SOCK_STREAM", SysSocket.SOCK_STREAM);
        constant(s, "SOCK_DGRAM", SysSocket.SOCK_DGRAM);
        constant(s, "SOCK_SEQPACKET", SysSocket.SOCK_SEQPACKET);
        constant(s, "SOCK_NONBLOCK", SysSocket.SOCK_NONBLOCK);
        constant(s, "SOCK_CLOEXEC", SysSocket.SOCK_CLOEXEC);
        constant(s, "SOL_SOCKET", SysSocket.SOL_SOCKET);
        constant(s, "SO_TYPE", SysSocket.SO_TYPE);
        constant(s, "SO_ACCEPTCONN", SysSocket.SO_ACCEPTCONN);
        constant(s, "SO_DOMAIN", SysSocket.SO_DOMAIN);
        constant(s, "SO_SNDBUF", SysSocket.SO_SNDBUF);
        constant(s, "SO_PASSCRED", SysSocket.SO_PASSCRED);
        constant(s, "SO_PEERCRED", SysSocket.SO_PEERCRED);
        constant(s, "SO_PEERGROUPS", SysSocket.SO_PEERGROUPS);
        constant(s, "SCM_RIGHTS", SysSocket.SCM_RIGHTS);
        constant(s, "SCM_CREDENTIALS", SysSocket.SCM_CREDENTIALS);
        constant(s, "MSG_PEEK", SysSocket.MSG_PEEK);
        constant(s, "MSG_CTRUNC", SysSocket.MSG_CTRUNC);
        constant(s, "MSG_TRUNC", SysSocket.MSG_TRUNC);
        constant(s, "MSG_DONTWAIT", SysSocket.MSG_DONTWAIT);
        constant(s, "MSG_NOSIGNAL", SysSocket.MSG_NOSIGNAL);
        constant(s, "MSG_CMSG_CLOEXEC", SysSocket.MSG_CMSG_CLOEXEC);
        constant(s, "SHUT_RDWR", SysSocket.SHUT_RDWR);
        constant(s, "IOV_BASE", SysSocket.IOV_BASE, "offsetof(struct iovec, iov_base)");
        constant(s, "IOV_LEN", SysSocket.IOV_LEN, "offsetof(struct iovec, iov_len)");
        constant(s, "MSG_NAME", SysSocket.MSG_NAME, "offsetof(struct msghdr, msg_name)");
        constant(s, "MSG_NAMELEN", SysSocket.MSG_NAMELEN, "offsetof(struct msghdr, msg_namelen)");
        constant(s, "MSG_IOV", SysSocket.MSG_IOV, "offsetof(struct msghdr, msg_iov)");
        constant(s, "MSG_IOVLEN", SysSocket.MSG_IOVLEN, "offsetof(struct msghdr, msg_iovlen)");
        constant(s, "MSG_CONTROL", SysSocket.MSG_CONTROL, "offsetof(struct msghdr, msg_control)");
        constant(s, "MSG_CONTROLLEN", SysSocket.MSG_CONTROLLEN, "offsetof(struct msghdr, msg_controllen)");
        constant(s, "MSG_FLAGS", SysSocket.MSG_FLAGS, "offsetof(struct msghdr, msg_flags)");
        constant(s, "MMSG_HDR", SysSocket.MMSG_HDR, "offsetof(struct mmsghdr, msg_hdr)");
        constant(s, "MMSG_LEN", SysSocket.MMSG_LEN, "offsetof(struct mmsghdr, msg_len)");
        constant(s, "CMSG_LEN_OFFSET", SysSocket.CMSG_LEN_OFFSET, "offsetof(struct cmsghdr, cmsg_len)");
        constant(s, "CMSG_LEVEL", SysSocket.CMSG_LEVEL, "offsetof(struct cmsghdr, cmsg_level)");
        constant(s, "CMSG_TYPE", SysSocket.CMSG_TYPE, "offsetof(struct cmsghdr, cmsg_type)");
        constant(s, "CMSG_DATA_OFFSET", SysSocket.CMSG_DATA_OFFSET, "cmsg_data_offset()");
        constant(s, "UCRED_PID", SysSocket.UCRED_PID, "offsetof(struct ucred, pid)");
        constant(s, "UCRED_UID", SysSocket.UCRED_UID, "offsetof(struct ucred, uid)");
        constant(s, "UCRED_GID", SysSocket.UCRED_GID, "offsetof(struct ucred, gid)");
        constant(s, "SUN_FAMILY", SysSocket.SUN_FAMILY, "offsetof(struct sockaddr_un, sun_family)");
        constant(s, "SUN_PATH", SysSocket.SUN_PATH, "offsetof(struct sockaddr_un, sun_path)");
        constant(s, "SUN_PATH_SIZE", SysSocket.SUN_PATH_SIZE, "sizeof(((struct sockaddr_un *) 0)->sun_path)");

        Class<?> e = SysEpoll.class;
        constant(e, "EPOLL_CLOEXEC", SysEpoll.EPOLL_CLOEXEC);
        constant(e, "EPOLL_CTL_ADD", SysEpoll.EPOLL_CTL_ADD);
        constant(e, "EPOLL_CTL_DEL", SysEpoll.EPOLL_CTL_DEL);
        constant(e, "EPOLL_CTL_MOD", SysEpoll.EPOLL_CTL_MOD);
        constant(e, "EPOLLIN", SysEpoll.EPOLLIN);
        constant(e, "EPOLLOUT", SysEpoll.EPOLLOUT);
        constant(e, "EPOLLERR", SysEpoll.EPOLLERR);
        constant(e, "EPOLLHUP", SysEpoll.EPOLLHUP);
        constant(e, "EPOLLRDHUP", SysEpoll.EPOLLRDHUP);
        constant(e, "EPOLLONESHOT", SysEpoll.EPOLLONESHOT);
        constant(e, "EFD_CLOEXEC", SysEpoll.EFD_CLOEXEC);
        constant(e, "EFD_NONBLOCK", SysEpoll.EFD_NONBLOCK);
        constant(e, "EVENTS", SysEpoll.EVENTS, "offsetof(struct epoll_event, events)");
        constant(e, "DATA", SysEpoll.DATA, "offsetof(struct epoll_event, data)");

        Class<?> st = SysStat.class;
        constant(st, "AT_FDCWD", SysStat.AT_FDCWD);
        constant(st, "AT_SYMLINK_NOFOLLOW", SysStat.AT_SYMLINK_NOFOLLOW);
        constant(st, "AT_EMPTY_PATH", SysStat.AT_EMPTY_PATH);
        constant(st, "STATX_TYPE", SysStat.STATX_TYPE);
        constant(st, "STATX_MODE", SysStat.STATX_MODE);
        constant(st, "STATX_UID", SysStat.STATX_UID);
        constant(st, "STATX_INO", SysStat.STATX_INO);
        constant(st, "STATX_SIZE", SysStat.STATX_SIZE);
        constant(st, "S_IFMT", SysStat.S_IFMT);
        constant(st, "S_IFSOCK", SysStat.S_IFSOCK);
        constant(st, "S_ISVTX", SysStat.S_ISVTX);
        constant(st, "S_IFREG", SysStat.S_IFREG);
        constant(st, "S_IFDIR", SysStat.S_IFDIR);
        constant(st, "S_IFLNK", SysStat.S_IFLNK);
        constant(st, "S_ISVTX", SysStat.S_ISVTX);
        constant(st, "S_IWGRP", SysStat.S_IWGRP);
        constant(st, "S_IWOTH", SysStat.S_IWOTH);
        constant(st, "STX_MODE", SysStat.STX_MODE, "offsetof(struct statx, stx_mode)");
        constant(st, "STX_UID", SysStat.STX_UID, "offsetof(struct statx, stx_uid)");
        constant(st, "STX_INO", SysStat.STX_INO, "offsetof(struct statx, stx_ino)");
        constant(st, "STX_SIZE", SysStat.STX_SIZE, "offsetof(struct statx, stx_size)");
        constant(st, "STX_DEV_MAJOR", SysStat.STX_DEV_MAJOR, "offsetof(struct statx, stx_dev_major)");
        constant(st, "STX_DEV_MINOR", SysStat.STX_DEV_MINOR, "offsetof(struct statx, stx_dev_minor)");

        Class<?> m = SysMman.class;
        constant(m, "PROT_READ", SysMman.PROT_READ);
        constant(m, "PROT_WRITE", SysMman.PROT_WRITE);
        constant(m, "MAP_SHARED", SysMman.MAP_SHARED);
        constant(m, "MAP_PRIVATE", SysMman.MAP_PRIVATE);
        constant(m, "MAP_ANONYMOUS", SysMman.MAP_ANONYMOUS);
        constant(m, "MAP_NORESERVE", SysMman.MAP_NORESERVE);
        constant(m, "MAP_FAILED", SysMman.MAP_FAILED, "(intptr_t) MAP_FAILED");
        constant(m, "MFD_CLOEXEC", SysMman.MFD_CLOEXEC);
        constant(m, "MFD_ALLOW_SEALING", SysMman.MFD_ALLOW_SEALING);

        Class<?> f = Fcntl.class;
        constant(f, "O_RDWR", Fcntl.O_RDWR);
        constant(f, "O_CREAT", Fcntl.O_CREAT);
        constant(f, "O_EXCL", Fcntl.O_EXCL);
        constant(f, "O_NONBLOCK", Fcntl.O_NONBLOCK);
        constant(f, "O_DIRECTORY", Fcntl.O_DIRECTORY);
        constant(f, "O_NOFOLLOW", Fcntl.O_NOFOLLOW);
        constant(f, "O_CLOEXEC", Fcntl.O_CLOEXEC);
        constant(f, "O_PATH", Fcntl.O_PATH);
        constant(f, "AT_REMOVEDIR", Fcntl.AT_REMOVEDIR);
        constant(f, "F_GETFD", Fcntl.F_GETFD);
        constant(f, "F_SETFD", Fcntl.F_SETFD);
        constant(f, "F_GETFL", Fcntl.F_GETFL);
        constant(f, "F_SETFL", Fcntl.F_SETFL);
        constant(f, "FD_CLOEXEC", Fcntl.FD_CLOEXEC);
        constant(f, "F_DUPFD_CLOEXEC", Fcntl.F_DUPFD_CLOEXEC);
        constant(f, "F_ADD_SEALS", Fcntl.F_ADD_SEALS);
        constant(f, "F_GET_SEALS", Fcntl.F_GET_SEALS);
        constant(f, "F_SEAL_SEAL", Fcntl.F_SEAL_SEAL);
        constant(f, "F_SEAL_SHRINK", Fcntl.F_SEAL_SHRINK);
        constant(f, "F_SEAL_GROW", Fcntl.F_SEAL_GROW);
        constant(f, "F_SEAL_WRITE", Fcntl.F_SEAL_WRITE);

        Class<?> p = Poll.class;
        constant(p, "POLLIN", Poll.POLLIN);
        constant(p, "FD", Poll.FD, "offsetof(struct pollfd, fd)");
        constant(p, "EVENTS", Poll.EVENTS, "offsetof(struct pollfd, events)");

        constant(Pwd.class, "PW_UID", Pwd.PW_UID, "offsetof(struct passwd, pw_uid)");
        constant(Pwd.class, "GR_GID", Pwd.GR_GID, "offsetof(struct group, gr_gid)");

        Class<?> n = Errno.class;
        constant(n, "ENOENT", Errno.ENOENT);
        constant(n, "EINTR", Errno.EINTR);
        constant(n, "EAGAIN", Errno.EAGAIN);
        constant(n, "ENOMEM", Errno.ENOMEM);
        constant(n, "EBUSY", Errno.EBUSY);
        constant(n, "EEXIST", Errno.EEXIST);
        constant(n, "ENOTDIR", Errno.ENOTDIR);
        constant(n, "EINVAL", Errno.EINVAL);
        constant(n, "ENFILE", Errno.ENFILE);
        constant(n, "EMFILE", Errno.EMFILE);
        constant(n, "EPIPE", Errno.EPIPE);
        constant(n, "ERANGE", Errno.ERANGE);
        constant(n, "ENAMETOOLONG", Errno.ENAMETOOLONG);
        constant(n, "ELOOP", Errno.ELOOP);
        constant(n, "ENOTSOCK", Errno.ENOTSOCK);
        constant(n, "EMSGSIZE", Errno.EMSGSIZE);
        constant(n, "ENOPROTOOPT", Errno.ENOPROTOOPT);
        constant(n, "EOPNOTSUPP", Errno.EOPNOTSUPP);
        constant(n, "EADDRINUSE", Errno.EADDRINUSE);
        constant(n, "ECONNABORTED", Errno.ECONNABORTED);
        constant(n, "ECONNRESET", Errno.ECONNRESET);
        constant(n, "ENOBUFS", Errno.ENOBUFS);
        constant(n, "ECONNREFUSED", Errno.ECONNREFUSED);
    }

    /** The Java layouts that stand for C types in the bindings' descriptors and structs. */
    private static void types() {
        type("Native.C_INT", Native.C_INT.byteSize(), "int");
        type("Native.C_SHORT", Native.C_SHORT.byteSize(), "short");
        type("Native.C_LONG", Native.C_LONG.byteSize(), "long");
        type("Native.C_SIZE_T", Native.C_SIZE_T.byteSize(), "size_t");
        type("Native.C_POINTER", Native.C_POINTER.byteSize(), "void *");
        // typedefs the bindings pass as one of the above
        type("Native.C_LONG (ssize_t: send, sendmsg, recvmsg, read, write, readlinkat)", Native.C_LONG.byteSize(), "ssize_t");
        type("Native.C_LONG (off_t: mmap, ftruncate)", Native.C_LONG.byteSize(), "off_t");
        type("Native.C_LONG (nfds_t: poll)", Native.C_LONG.byteSize(), "nfds_t");
        type("Native.C_INT (socklen_t: bind, connect, msg_namelen)", Native.C_INT.byteSize(), "socklen_t");
        type("Native.C_INT (pid_t: getpid, ucred.pid)", Native.C_INT.byteSize(), "pid_t");
        type("Native.C_INT (uid_t: geteuid, ucred.uid, pw_uid)", Native.C_INT.byteSize(), "uid_t");
        type("Native.C_INT (gid_t: getegid, getgroups, ucred.gid, gr_gid)", Native.C_INT.byteSize(), "gid_t");
        type("Native.C_INT (mode_t: fchmodat, mkdirat, openat)", Native.C_INT.byteSize(), "mode_t");
        type("Native.C_SHORT (sa_family_t: sun_family)", Native.C_SHORT.byteSize(), "sa_family_t");
    }

    private static void layouts() {
        struct("SysSocket.IOVEC", SysSocket.IOVEC, "struct iovec");
        struct("SysSocket.MSGHDR", SysSocket.MSGHDR, "struct msghdr");
        struct("SysSocket.MMSGHDR", SysSocket.MMSGHDR, "struct mmsghdr");
        struct("SysSocket.CMSGHDR", SysSocket.CMSGHDR, "struct cmsghdr");
        struct("SysSocket.UCRED", SysSocket.UCRED, "struct ucred");
        struct("SysSocket.SOCKADDR_UN", SysSocket.SOCKADDR_UN, "struct sockaddr_un");
        struct("SysEpoll.EPOLL_EVENT", SysEpoll.EPOLL_EVENT, "struct epoll_event");
        struct("Poll.POLLFD", Poll.POLLFD, "struct pollfd");
        struct("SysStat.STATX", SysStat.STATX, "struct statx");
        struct("Pwd.PASSWD", Pwd.PASSWD, "struct passwd");
        struct("Pwd.GROUP", Pwd.GROUP, "struct group");
    }

    /** CMSG_SPACE, CMSG_LEN and CMSG_ALIGN for no data, a few fds, a ucred, and the most fds a message carries. */
    private static void cmsgMacros() {
        for (long len : new long[] {0, 1, 4, 7, 8, 9, 12, 16, 4 * 252, 4 * 253, 4096}) {
            CHECKS.add(new Check(Group.MACRO, "SysSocket.CMSG_SPACE(" + len + ")", null,
                    SysSocket.CMSG_SPACE(len), "CMSG_SPACE(" + len + ")", false));
            CHECKS.add(new Check(Group.MACRO, "SysSocket.CMSG_LEN(" + len + ")", null,
                    SysSocket.CMSG_LEN(len), "CMSG_LEN(" + len + ")", false));
            CHECKS.add(new Check(Group.MACRO, "SysSocket.CMSG_ALIGN(" + len + ")", null,
                    SysSocket.CMSG_ALIGN(len), "CMSG_ALIGN(" + len + ")", false));
        }
    }

    /** A Java constant whose C name is its own. */
    private static void constant(Class<?> owner, String name, long java) {
        constant(owner, name, java, name);
    }

    private static void constant(Class<?> owner, String name, long java, String c) {
        String field = owner.getSimpleName() + "." + name;
        String symbol = c.equals(name) ? field : field + " = " + c;
        CHECKS.add(new Check(Group.CONSTANT, symbol, field, java, c, false));
    }

    private static void type(String symbol, long javaSize, String cType) {
        CHECKS.add(new Check(Group.TYPE, symbol + ": sizeof(" + cType + ")", null, javaSize,
                "sizeof(" + cType + ")", false));
    }

    /** Size and alignment of the struct, offset and size of every named member. */
    private static void struct(String field, StructLayout layout, String cType) {
        STRUCTS.add(field);
        CHECKS.add(new Check(Group.LAYOUT, field + ": sizeof(" + cType + ")", null, layout.byteSize(),
                "sizeof(" + cType + ")", false));
        // a Java alignment above C's only over-aligns what we allocate (x86_64 packs epoll_event to alignment 1)
        CHECKS.add(new Check(Group.LAYOUT, field + ": alignment at least _Alignof(" + cType + ")", null,
                layout.byteAlignment(), "_Alignof(" + cType + ")", true));
        for (MemoryLayout member : layout.memberLayouts()) {
            if (member.name().isEmpty()) {
                continue; // padding
            }
            String name = member.name().get();
            CHECKS.add(new Check(Group.LAYOUT, field + "." + name + ": offsetof(" + cType + ", " + name + ")", null,
                    layout.byteOffset(groupElement(name)), "offsetof(" + cType + ", " + name + ")", false));
            CHECKS.add(new Check(Group.LAYOUT, field + "." + name + ": sizeof(" + cType + "." + name + ")", null,
                    member.byteSize(), "sizeof(((" + cType + " *) 0)->" + name + ")", false));
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // The C side

    private static final String PRELUDE = """
            #include <errno.h>
            #include <fcntl.h>
            #include <grp.h>
            #include <poll.h>
            #include <pwd.h>
            #include <stddef.h>
            #include <stdint.h>
            #include <stdio.h>
            #include <string.h>
            #include <sys/epoll.h>
            #include <sys/eventfd.h>
            #include <sys/mman.h>
            #include <sys/socket.h>
            #include <sys/stat.h>
            #include <sys/types.h>
            #include <sys/un.h>
            #include <unistd.h>

            /* where CMSG_DATA starts, relative to its cmsghdr */
            static long long cmsg_data_offset(void) {
                union { struct cmsghdr h; unsigned char b[64]; } u;
                return (long long) (CMSG_DATA(&u.h) - (unsigned char *) &u.h);
            }

            int main(void) {
            """;

    private static String program() {
        StringBuilder c = new StringBuilder(PRELUDE);
        for (int i = 0; i < CHECKS.size(); i++) {
            String expr = CHECKS.get(i).c();
            boolean macro = expr.matches("[A-Z_][A-Z0-9_]*");
            if (macro) {
                // glibc defines each enum constant as a macro too, so #ifdef tells a missing symbol
                c.append("#ifdef ").append(expr).append('\n');
            }
            c.append("    printf(\"v %d %lld\\n\", ").append(i).append(", (long long) (").append(expr).append("));\n");
            if (macro) {
                c.append("#else\n    printf(\"missing %d\\n\", ").append(i).append(");\n#endif\n");
            }
        }
        c.append("""
                    for (int e = 1; e < 4096; e++) {
                        const char *name = strerrorname_np(e);
                        if (name != NULL) {
                            printf("errno %d %s %s\\n", e, name, strerror(e));
                        }
                    }
                    return 0;
                }
                """);
        return c.toString();
    }

    @BeforeAll
    static void compileAndRunC() throws Exception {
        Path dir = Files.createTempDirectory("gips-native-layout");
        try {
            Path source = dir.resolve("layout.c");
            Path exe = dir.resolve("layout");
            Files.writeString(source, program());
            run(List.of("gcc", "-D_GNU_SOURCE", "-std=gnu11", "-Wall", "-Werror=implicit-function-declaration",
                    "-o", exe.toString(), source.toString()), dir);
            parse(run(List.of(exe.toString()), dir));
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void parse(String output) {
        cValues = new HashMap<>();
        cErrno = new HashMap<>();
        for (String line : output.split("\n")) {
            String[] w = line.split(" ", 4);
            switch (w[0]) {
                case "v" -> cValues.put(Integer.parseInt(w[1]), Long.parseLong(w[2]));
                case "missing" -> { } // absent from cValues
                case "errno" -> cErrno.put(Integer.parseInt(w[1]), new String[] {w[2], w.length > 3 ? w[3] : ""});
                default -> fail("unexpected line from the C program: " + line);
            }
        }
    }

    /** Runs {@code cmd} in {@code dir}; its stdout, or a failure with its stderr. */
    private static String run(List<String> cmd, Path dir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().put("LC_ALL", "C"); // strerror texts in English
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            if (cmd.get(0).equals("gcc")) {
                return fail("gcc is required to check the native layouts against the C headers, but it could not be"
                        + " started (" + e.getMessage() + "); install it (Debian/Ubuntu: apt-get install gcc libc6-dev)"
                        + " and put it on PATH");
            }
            throw e;
        }
        p.getOutputStream().close();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                return e.toString().getBytes(StandardCharsets.UTF_8);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + " did not finish within 120 s");
        }
        if (p.exitValue() != 0) {
            fail(String.join(" ", cmd) + " exited with " + p.exitValue() + ":\n"
                    + new String(err.join(), StandardCharsets.UTF_8));
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Tests

    @Test
    void constantsMatchHeaders() {
        assertGroup(Group.CONSTANT);
    }

    @Test
    void typeSizesMatchHeaders() {
        assertGroup(Group.TYPE);
    }

    @Test
    void structSizesAndOffsetsMatchHeaders() {
        assertGroup(Group.LAYOUT);
    }

    @Test
    void cmsgMacrosMatchHeaders() {
        assertGroup(Group.MACRO);
    }

    private static void assertGroup(Group group) {
        List<Executable> checks = new ArrayList<>();
        for (int i = 0; i < CHECKS.size(); i++) {
            Check k = CHECKS.get(i);
            if (k.group() != group) {
                continue;
            }
            Long c = cValues.get(i);
            checks.add(() -> {
                assertNotNull(c, k.symbol() + ": the C headers do not define " + k.c());
                if (k.atLeast()) {
                    assertTrue(k.java() >= c, k.symbol() + ": Java " + k.java() + " is less than C " + c);
                } else {
                    assertEquals(c.longValue(), k.java(), k.symbol() + ": Java differs from C " + k.c());
                }
            });
        }
        assertFalse(checks.isEmpty(), "no checks in group " + group);
        assertAll(group + " checks against the C headers", checks);
    }

    /** SCM_MAX_FD is the kernel's (include/net/scm.h), absent from userspace headers; it has been 253 since 2.6.38. */
    @Test
    void scmMaxFdIsTheKernels253() {
        assertEquals(253, SysSocket.SCM_MAX_FD, "SysSocket.SCM_MAX_FD must equal the kernel's SCM_MAX_FD");
    }

    @Test
    void errnoNamesAndTextsMatchGlibc() {
        assertTrue(cErrno.size() > 100, "strerrorname_np named only " + cErrno.size() + " errno values");
        List<Executable> checks = new ArrayList<>();
        for (int n = 1; n < 4096; n++) {
            int errno = n;
            String described = Errno.describe(errno);
            if (described.equals("errno " + errno)) {
                continue; // not in Errno's table: messages show the number
            }
            String[] c = cErrno.get(errno);
            checks.add(() -> {
                assertNotNull(c, "Errno.describe(" + errno + ") = \"" + described + "\", but glibc names no errno "
                        + errno);
                assertEquals(c[0] + ": " + c[1], described, "Errno.describe(" + errno + ") (" + c[0] + ")");
                assertEquals(c[0], Errno.name(errno), "Errno.name(" + errno + ") (" + c[0] + ")");
            });
        }
        assertTrue(checks.size() >= 40, "Errno's table has only " + checks.size() + " entries");
        assertAll("Errno.describe against strerrorname_np and strerror", checks);
    }

    /** The errno values the backend uses all have a name, so messages never show a bare number for them. */
    @Test
    void everyErrnoConstantIsInTheDescribeTable() throws IllegalAccessException {
        List<Executable> checks = new ArrayList<>();
        for (Field f : Errno.class.getDeclaredFields()) {
            if (isConstant(f)) {
                int value = f.getInt(null);
                checks.add(() -> assertEquals(f.getName(), Errno.name(value),
                        "Errno.name(Errno." + f.getName() + ")"));
            }
        }
        assertTrue(checks.size() >= 20, "found only " + checks.size() + " errno constants");
        assertAll("errno constants in the describe table", checks);
    }

    /**
     * Completeness: every primitive constant and every struct layout of the binding classes is in the checks above,
     * and each check's Java value is that field's (no copy-paste slip between name and value).
     */
    @Test
    void everyBindingConstantAndStructIsChecked() throws IllegalAccessException {
        Map<String, Check> byField = new HashMap<>();
        for (Check k : CHECKS) {
            if (k.field() != null) {
                byField.put(k.field(), k);
            }
        }
        List<Executable> checks = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Class<?> c : BINDINGS) {
            for (Field f : c.getDeclaredFields()) {
                String name = c.getSimpleName() + "." + f.getName();
                if (isConstant(f)) {
                    seen.add(name);
                    if (KERNEL_ONLY.contains(name) || NOT_C_CONSTANTS.contains(name)) {
                        continue;
                    }
                    Check k = byField.get(name);
                    long value = ((Number) get(f)).longValue();
                    checks.add(() -> {
                        assertNotNull(k, name + " is not checked against the C headers: add it to NativeLayoutTest");
                        assertEquals(value, k.java(), name + ": the check passes another field's value");
                    });
                } else if (Modifier.isStatic(f.getModifiers()) && StructLayout.class.isAssignableFrom(f.getType())
                        && !NOT_C_STRUCTS.contains(name)) {
                    checks.add(() -> assertTrue(STRUCTS.contains(name),
                            name + " is not checked against the C headers: add it to NativeLayoutTest"));
                }
            }
        }
        for (String field : byField.keySet()) {
            checks.add(() -> assertTrue(seen.contains(field), field + " is checked but no such constant exists"));
        }
        assertAll("binding constants and structs covered by NativeLayoutTest", checks);
    }

    private static boolean isConstant(Field f) {
        int mod = f.getModifiers();
        Class<?> t = f.getType();
        return Modifier.isStatic(mod) && Modifier.isFinal(mod)
                && (t == int.class || t == long.class || t == short.class || t == byte.class);
    }

    private static Object get(Field f) throws IllegalAccessException {
        f.setAccessible(true);
        return f.get(null);
    }
}
