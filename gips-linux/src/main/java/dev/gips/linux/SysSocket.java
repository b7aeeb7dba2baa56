package dev.gips.linux;

import static dev.gips.linux.Native.C_INT;
import static dev.gips.linux.Native.C_POINTER;
import static dev.gips.linux.Native.C_SHORT;
import static dev.gips.linux.Native.C_SIZE_T;
import static dev.gips.linux.Native.ERRNO;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** Bindings for {@code <sys/socket.h>} and {@code <sys/un.h>}: AF_UNIX sockets, messages, ancillary data. */
final class SysSocket {
    private SysSocket() {}

    // socket domains, types and flags
    static final int AF_UNIX = 1;
    static final int SOCK_STREAM = 1;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_SEQPACKET = 5;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;

    // socket options
    static final int SOL_SOCKET = 1;
    static final int SO_TYPE = 3;
    static final int SO_ACCEPTCONN = 30;
    static final int SO_DOMAIN = 39;
    static final int SO_SNDBUF = 7;
    static final int SO_PASSCRED = 16;
    static final int SO_PEERCRED = 17;
    static final int SO_PEERGROUPS = 59;

    // ancillary message types
    static final int SCM_RIGHTS = 1;
    static final int SCM_CREDENTIALS = 2;
    /** Most descriptors one message may carry (the kernel's SCM_MAX_FD). */
    static final int SCM_MAX_FD = 253;

    // message flags
    static final int MSG_PEEK = 0x2;
    static final int MSG_CTRUNC = 0x8;
    static final int MSG_TRUNC = 0x20;
    static final int MSG_DONTWAIT = 0x40;
    static final int MSG_NOSIGNAL = 0x4000;
    static final int MSG_CMSG_CLOEXEC = 0x40000000;

    // shutdown(2)
    static final int SHUT_RDWR = 2;

    /** {@code struct iovec { void *iov_base; size_t iov_len; }} */
    static final StructLayout IOVEC = MemoryLayout.structLayout(
            C_POINTER.withName("iov_base"),
            C_SIZE_T.withName("iov_len")).withName("iovec");
    static final long IOV_BASE = IOVEC.byteOffset(groupElement("iov_base"));
    static final long IOV_LEN = IOVEC.byteOffset(groupElement("iov_len"));

    /**
     * {@code struct msghdr { void *msg_name; socklen_t msg_namelen; struct iovec *msg_iov; size_t msg_iovlen;
     * void *msg_control; size_t msg_controllen; int msg_flags; }}
     */
    static final StructLayout MSGHDR = MemoryLayout.structLayout(
            C_POINTER.withName("msg_name"),
            C_INT.withName("msg_namelen"),
            MemoryLayout.paddingLayout(4),
            C_POINTER.withName("msg_iov"),
            C_SIZE_T.withName("msg_iovlen"),
            C_POINTER.withName("msg_control"),
            C_SIZE_T.withName("msg_controllen"),
            C_INT.withName("msg_flags"),
            MemoryLayout.paddingLayout(4)).withName("msghdr");
    static final long MSG_NAME = MSGHDR.byteOffset(groupElement("msg_name"));
    static final long MSG_NAMELEN = MSGHDR.byteOffset(groupElement("msg_namelen"));
    static final long MSG_IOV = MSGHDR.byteOffset(groupElement("msg_iov"));
    static final long MSG_IOVLEN = MSGHDR.byteOffset(groupElement("msg_iovlen"));
    static final long MSG_CONTROL = MSGHDR.byteOffset(groupElement("msg_control"));
    static final long MSG_CONTROLLEN = MSGHDR.byteOffset(groupElement("msg_controllen"));
    static final long MSG_FLAGS = MSGHDR.byteOffset(groupElement("msg_flags"));

    /** {@code struct mmsghdr { struct msghdr msg_hdr; unsigned int msg_len; }}, for {@code recvmmsg} */
    static final StructLayout MMSGHDR = MemoryLayout.structLayout(
            MSGHDR.withName("msg_hdr"),
            C_INT.withName("msg_len"),
            MemoryLayout.paddingLayout(4)).withName("mmsghdr");
    static final long MMSG_HDR = MMSGHDR.byteOffset(groupElement("msg_hdr"));
    static final long MMSG_LEN = MMSGHDR.byteOffset(groupElement("msg_len"));

    /** {@code struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; unsigned char cmsg_data[]; }} */
    static final StructLayout CMSGHDR = MemoryLayout.structLayout(
            C_SIZE_T.withName("cmsg_len"),
            C_INT.withName("cmsg_level"),
            C_INT.withName("cmsg_type")).withName("cmsghdr");
    static final long CMSG_LEN_OFFSET = CMSGHDR.byteOffset(groupElement("cmsg_len"));
    static final long CMSG_LEVEL = CMSGHDR.byteOffset(groupElement("cmsg_level"));
    static final long CMSG_TYPE = CMSGHDR.byteOffset(groupElement("cmsg_type"));

    /** {@code struct ucred { pid_t pid; uid_t uid; gid_t gid; }} */
    static final StructLayout UCRED = MemoryLayout.structLayout(
            C_INT.withName("pid"),
            C_INT.withName("uid"),
            C_INT.withName("gid")).withName("ucred");
    static final long UCRED_PID = UCRED.byteOffset(groupElement("pid"));
    static final long UCRED_UID = UCRED.byteOffset(groupElement("uid"));
    static final long UCRED_GID = UCRED.byteOffset(groupElement("gid"));

    /** {@code struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }} */
    static final StructLayout SOCKADDR_UN = MemoryLayout.structLayout(
            C_SHORT.withName("sun_family"),
            MemoryLayout.sequenceLayout(108, ValueLayout.JAVA_BYTE).withName("sun_path")).withName("sockaddr_un");
    static final long SUN_FAMILY = SOCKADDR_UN.byteOffset(groupElement("sun_family"));
    static final long SUN_PATH = SOCKADDR_UN.byteOffset(groupElement("sun_path"));
    static final int SUN_PATH_SIZE = 108;

    // CMSG_* macros, for LP64 where cmsghdr is 16 bytes and data is 8-aligned
    static long CMSG_ALIGN(long len) {
        return (len + 7) & ~7L;
    }

    static long CMSG_LEN(long len) {
        return CMSGHDR.byteSize() + len;
    }

    static long CMSG_SPACE(long len) {
        return CMSGHDR.byteSize() + CMSG_ALIGN(len);
    }

    static final long CMSG_DATA_OFFSET = CMSGHDR.byteSize();

    // linked in fcntl's variadic shape, which every endpoint links too: one call stub for both (Native.VARIADIC_FROM_2)
    private static final class Socket {
        static final MethodHandle socket = Native.downcall("socket",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT), Native.VARIADIC_FROM_2, ERRNO);
    }
    static final class Bind { // not private: Warmup links it ahead of use
        static final MethodHandle bind = Native.downcall("bind",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT), ERRNO);
    }
    static final class Listen { // not private: Warmup links it ahead of use
        static final MethodHandle listen = Native.downcall("listen",
                FunctionDescriptor.of(C_INT, C_INT, C_INT), ERRNO);
    }
    static final class Accept4 { // not private: Warmup links it ahead of use
        static final MethodHandle accept4 = Native.downcall("accept4",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER, C_INT), ERRNO);
    }
    private static final class Connect {
        static final MethodHandle connect = Native.downcall("connect",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT), ERRNO);
    }
    static final class Sendmsg { // not private: Warmup links it ahead of use
        static final MethodHandle sendmsg = Native.downcall("sendmsg",
                FunctionDescriptor.of(Native.C_LONG, C_INT, C_POINTER, C_INT), ERRNO);
    }
    // critical: the buffer may be a Java array, which the kernel then copies from directly (no copy into a native
    // buffer first). Only with MSG_DONTWAIT, since the GC waits for a critical call to return, and linked only where
    // Native.CRITICAL_WITH_ERRNO: JDK 22 and 23 refuse critical together with captureCallState
    private static final class SendCritical {
        static final MethodHandle sendCritical = Native.downcall("send",
                FunctionDescriptor.of(Native.C_LONG, C_INT, C_POINTER, C_SIZE_T, C_INT), ERRNO,
                Linker.Option.critical(true));
    }
    // the same shape as send's, hence the same call stub; critical and MSG_DONTWAIT for the same reasons
    private static final class RecvCritical {
        static final MethodHandle recvCritical = Native.downcall("recv",
                FunctionDescriptor.of(Native.C_LONG, C_INT, C_POINTER, C_SIZE_T, C_INT), ERRNO,
                Linker.Option.critical(true));
    }
    private static final class Recvmsg {
        static final MethodHandle recvmsg = Native.downcall("recvmsg",
                FunctionDescriptor.of(Native.C_LONG, C_INT, C_POINTER, C_INT), ERRNO);
    }
    // linked by the first listener that takes a plain client's datagrams in batches, not on any cold path
    private static final class Recvmmsg {
        static final MethodHandle recvmmsg = Native.downcall("recvmmsg",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT, C_POINTER), ERRNO);
    }
    private static final class Getsockname {
        static final MethodHandle getsockname = Native.downcall("getsockname",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER), ERRNO);
    }
    static final class Getsockopt { // not private: Warmup links it ahead of use
        static final MethodHandle getsockopt = Native.downcall("getsockopt",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER, C_POINTER), ERRNO);
    }
    private static final class Setsockopt {
        static final MethodHandle setsockopt = Native.downcall("setsockopt",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER, C_INT), ERRNO);
    }
    private static final class Shutdown {
        static final MethodHandle shutdown = Native.downcall("shutdown",
                FunctionDescriptor.of(C_INT, C_INT, C_INT), ERRNO);
    }

    /** {@code int socket(int domain, int type, int protocol);} */
    static int socket(MemorySegment errno, int domain, int type, int protocol) {
        try {
            return (int) Socket.socket.invokeExact(errno, domain, type, protocol);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int bind(int sockfd, const struct sockaddr *addr, socklen_t addrlen);} */
    static int bind(MemorySegment errno, int fd, MemorySegment addr, int addrlen) {
        try {
            return (int) Bind.bind.invokeExact(errno, fd, addr, addrlen);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int listen(int sockfd, int backlog);} */
    static int listen(MemorySegment errno, int fd, int backlog) {
        try {
            return (int) Listen.listen.invokeExact(errno, fd, backlog);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);} */
    static int accept4(MemorySegment errno, int fd, MemorySegment addr, MemorySegment addrlen, int flags) {
        try {
            return (int) Accept4.accept4.invokeExact(errno, fd, addr, addrlen, flags);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int connect(int sockfd, const struct sockaddr *addr, socklen_t addrlen);} */
    static int connect(MemorySegment errno, int fd, MemorySegment addr, int addrlen) {
        try {
            return (int) Connect.connect.invokeExact(errno, fd, addr, addrlen);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code ssize_t sendmsg(int sockfd, const struct msghdr *msg, int flags);} */
    static long sendmsg(MemorySegment errno, int fd, MemorySegment msg, int flags) {
        try {
            return (long) Sendmsg.sendmsg.invokeExact(errno, fd, msg, flags);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /**
     * {@code ssize_t send(int sockfd, const void *buf, size_t len, int flags);} as a critical call: {@code buf} may be
     * a heap segment. {@code flags} must hold {@link #MSG_DONTWAIT}: a critical call must not wait. Only where
     * {@link Native#CRITICAL_WITH_ERRNO}.
     */
    static long sendNonBlocking(MemorySegment errno, int fd, MemorySegment buf, long len, int flags) {
        try {
            return (long) SendCritical.sendCritical.invokeExact(errno, fd, buf, len, flags);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /**
     * {@code ssize_t recv(int sockfd, void *buf, size_t len, int flags);} as a critical call: {@code buf} may be a
     * heap segment. {@code flags} must hold {@link #MSG_DONTWAIT}: a critical call must not wait. Only where
     * {@link Native#CRITICAL_WITH_ERRNO}.
     */
    static long recvNonBlocking(MemorySegment errno, int fd, MemorySegment buf, long len, int flags) {
        try {
            return (long) RecvCritical.recvCritical.invokeExact(errno, fd, buf, len, flags);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code ssize_t recvmsg(int sockfd, struct msghdr *msg, int flags);} */
    static long recvmsg(MemorySegment errno, int fd, MemorySegment msg, int flags) {
        try {
            return (long) Recvmsg.recvmsg.invokeExact(errno, fd, msg, flags);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /**
     * {@code int recvmmsg(int sockfd, struct mmsghdr *msgvec, unsigned int vlen, int flags, struct timespec *timeout);}
     * without a timeout.
     */
    static int recvmmsg(MemorySegment errno, int fd, MemorySegment msgvec, int vlen, int flags) {
        try {
            return (int) Recvmmsg.recvmmsg.invokeExact(errno, fd, msgvec, vlen, flags, MemorySegment.NULL);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int getsockname(int sockfd, struct sockaddr *addr, socklen_t *addrlen);} */
    static int getsockname(MemorySegment errno, int fd, MemorySegment addr, MemorySegment addrlen) {
        try {
            return (int) Getsockname.getsockname.invokeExact(errno, fd, addr, addrlen);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int getsockopt(int sockfd, int level, int optname, void *optval, socklen_t *optlen);} */
    static int getsockopt(MemorySegment errno, int fd, int level, int name, MemorySegment value, MemorySegment len) {
        try {
            return (int) Getsockopt.getsockopt.invokeExact(errno, fd, level, name, value, len);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int setsockopt(int sockfd, int level, int optname, const void *optval, socklen_t optlen);} */
    static int setsockopt(MemorySegment errno, int fd, int level, int name, MemorySegment value, int len) {
        try {
            return (int) Setsockopt.setsockopt.invokeExact(errno, fd, level, name, value, len);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int shutdown(int sockfd, int how);} */
    static int shutdown(MemorySegment errno, int fd, int how) {
        try {
            return (int) Shutdown.shutdown.invokeExact(errno, fd, how);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }
}
