package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gips.ipc.Handle;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Pod;
import dev.gips.shm.Shm;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 16 item 6: a process that shrinks a region after another mapped it. The library seals the memfds it creates
 * and the received memfds that allow it against shrinking ({@link PosixShmObject#adopt}); a memfd created without
 * MFD_ALLOW_SEALING, a POSIX shm object as Rust gips sends (shm_open, then shm_unlink) and a named region can still be
 * shrunk by their owner. {@link Shm#isSealed()} says which is which, {@link Shm#fromSealed} and
 * {@link Shm#openSealed} refuse the unsealed ones, and each kind of access to a shrunk region is run in a child JVM
 * ({@link ShmChild} {@code shrink}) to show what it does: Java accesses throw {@link InternalError}, system calls
 * fail with EFAULT, {@code remap}/{@code resize} with an {@link IOException}, and native code kills the JVM
 * (exit status 134), as {@link Shm#segment()} documents.
 */
@ExtendWith(ShmTesting.class)
@ExtendWith(LeakCheck.class)
class ShmShrinkTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final long CAPACITY = 64 * 1024;
    private static final long TOTAL = 128 * 1024;
    /** SIGABRT: HotSpot aborts after writing its crash report. */
    private static final int JVM_CRASH = 134;

    /** The kinds of region a process can be handed, and how the child maps them. */
    enum Region {
        /** A memfd that allows sealing: {@code Shm.from} seals it, so the parent's ftruncate fails with EPERM. */
        SEALED_MEMFD,
        /** A memfd created without MFD_ALLOW_SEALING. */
        UNSEALED_MEMFD,
        /** A POSIX shm object, unlinked at once: what Rust gips 0.2.0 sends. */
        SHM_FILE,
        /** A named POSIX shm object, which the child opens by name. */
        NAMED
    }

    /** Accesses in Java code, and this library's own: InternalError on a shrunk region. */
    private static final List<String> JAVA_ACCESSES = List.of("read", "readInto", "write", "header", "get", "set",
            "copy", "fill", "mismatch", "toArray", "getString", "bufferGet", "bufferPut", "digest");
    /** A system call given the memory: IOException (EFAULT) on a shrunk region. */
    private static final String SYSCALL = "fileWrite";
    /** Calls that map anew, last since they end the segment the others use: IOException on a shrunk region. */
    private static final List<String> REMAPS = List.of("remap", "resize");
    /** Native code given the memory: kills the JVM on a shrunk region. */
    private static final List<String> NATIVE_ACCESSES = List.of("crc32", "crc32c", "adler32", "deflater", "inflater",
            "memcpy", "compareAndSet", "weakCompareAndSet", "compareAndExchange");

    @Test
    void aSealableMemfdIsSealedAgainstShrinkingWhenMapped() throws Exception {
        int fd = memfd(SysMman.MFD_CLOEXEC | SysMman.MFD_ALLOW_SEALING);
        try (Handle h = Handle.ofFileDescriptor(fd); Shm shm = Shm.from(h)) {
            assertEquals(-1, Unistd.ftruncate(Native.threadCapture(), fd, 0), "the sender could still shrink it");
            assertTrue(shm.isSealed());
            assertEquals(CAPACITY, shm.read(0).length);
        } finally {
            Fds.closeQuietly(fd);
        }
    }

    @Test
    void anUnsealableMemfdShrunkByItsSenderFaultsAsAnErrorNotACrash() throws Exception {
        int fd = memfd(SysMman.MFD_CLOEXEC);
        try (Handle h = Handle.ofFileDescriptor(fd); Shm shm = Shm.from(h)) {
            assertFalse(shm.isSealed());
            assertEquals(0, Unistd.ftruncate(Native.threadCapture(), fd, 0));
            assertThrows(InternalError.class, () -> shm.read(0, 10));
            assertThrows(InternalError.class, () -> shm.write(new byte[10], 0));
        } finally {
            Fds.closeQuietly(fd);
        }
    }

    @Test
    void isSealedSaysWhichRegionsAnotherProcessCanShrink() throws Exception {
        try (Shm anonymous = Shm.create(null, 4096)) {
            assertTrue(anonymous.isSealed(), "anonymous regions are memfds sealed with F_SEAL_SHRINK");
        }
        String name = ShmTesting.name("sealed");
        try (Shm created = Shm.create(name, 4096); Shm opened = Shm.open(name)) {
            assertFalse(created.isSealed(), "any process of the owner can truncate /dev/shm/" + name);
            assertFalse(opened.isSealed());
        }
        for (Region region : Region.values()) {
            if (region == Region.NAMED) {
                continue;
            }
            int fd = make(region).fd();
            try (Handle h = Handle.ofFileDescriptor(fd); Shm shm = Shm.from(h)) {
                assertEquals(region == Region.SEALED_MEMFD, shm.isSealed(), region.toString());
            } finally {
                Fds.closeQuietly(fd);
            }
        }
        Shm closed = Shm.create(null, 16);
        closed.close();
        assertThrows(IllegalStateException.class, closed::isSealed);
    }

    @Test
    void fromSealedAndOpenSealedRefuseRegionsAnotherProcessCanShrinkBeforeMappingThem() throws Exception {
        for (Region region : List.of(Region.UNSEALED_MEMFD, Region.SHM_FILE)) {
            int fd = make(region).fd();
            try (Handle h = Handle.ofFileDescriptor(fd)) {
                long fds = Peers.openFds();
                long mappings = mappingsOf(fd);
                IOException e = assertThrows(IOException.class, () -> Shm.fromSealed(h));
                assertTrue(e.getMessage().startsWith("map a received region: refused: the region is not sealed"
                        + " against shrinking"), e.getMessage());
                assertFalse(h.isOpen(), "fromSealed took the handle even though it refused it");
                assertEquals(fds - 1, Peers.openFds(), "the refused descriptor was closed, nothing else leaked");
                assertEquals(mappings, mappingsOf(fd), "nothing was mapped");
            } finally {
                Fds.closeQuietly(fd);
            }
        }
        int fd = make(Region.SEALED_MEMFD).fd();
        try (Handle h = Handle.ofFileDescriptor(fd); Shm shm = Shm.fromSealed(h)) {
            assertTrue(shm.isSealed(), "a memfd that allows sealing is sealed on receipt and accepted");
            assertEquals(CAPACITY, shm.capacity());
        } finally {
            Fds.closeQuietly(fd);
        }
        String name = ShmTesting.name("sealed");
        try (Shm created = Shm.create(name, 4096)) {
            IOException e = assertThrows(IOException.class, () -> Shm.openSealed(name));
            assertTrue(e.getMessage().startsWith("open \"/" + name + "\": refused: the region is not sealed"),
                    e.getMessage());
            assertEquals(4096, created.capacity());
        }
    }

    /**
     * Every access but native code, in one child JVM per kind of region: on a sealed region the shrink fails and
     * everything (native code included) works; on the others Java accesses throw InternalError, the system call
     * fails with EFAULT, and remap/resize say the object shrank.
     */
    @ParameterizedTest
    @EnumSource(Region.class)
    void javaAccessesToAShrunkRegionThrowAndTheJvmGoesOn(Region region, @TempDir Path errors) throws Exception {
        boolean sealed = region == Region.SEALED_MEMFD;
        List<String> accesses = new ArrayList<>(JAVA_ACCESSES);
        accesses.add(SYSCALL);
        if (sealed) {
            accesses.addAll(NATIVE_ACCESSES);
        }
        accesses.addAll(REMAPS);
        String out = runChild(region, accesses, 0, errors);
        assertTrue(out.startsWith("sealed " + sealed + "\n"), out);
        Map<String, String> outcomes = outcomes(out);
        assertEquals(accesses, List.copyOf(outcomes.keySet()), out);
        for (String access : accesses) {
            String outcome = outcomes.get(access);
            if (sealed) {
                assertEquals("ok", outcome, access);
            } else if (JAVA_ACCESSES.contains(access)) {
                assertEquals("InternalError", outcome, access);
            } else if (access.equals(SYSCALL)) {
                assertEquals("IOException: Bad address", outcome, access);
            } else {
                assertTrue(outcome.startsWith("IOException: " + access + " Shm[")
                        && outcome.contains(": the object shrank to 0 bytes, less than the " + (24 + CAPACITY)
                                + " mapped here"), access + ": " + outcome);
            }
        }
    }

    /**
     * Every native access on an unsealed memfd; the three (CRC32, Deflater, memcpy) on the other unsealed
     * kinds too. What crashes is the access, not the kind of object (all are shmem files), and a child JVM each
     * costs half a second.
     */
    static Stream<Arguments> nativeAccessesToUnsealedRegions() {
        return Stream.concat(NATIVE_ACCESSES.stream().map(a -> Arguments.of(Region.UNSEALED_MEMFD, a)),
                Stream.of(Region.SHM_FILE, Region.NAMED).flatMap(r -> Stream.of("crc32", "deflater", "memcpy")
                        .map(a -> Arguments.of(r, a))));
    }

    /** Each native access in a child JVM of its own, since it kills it: this is what segment() calls unsafe. */
    @ParameterizedTest
    @MethodSource("nativeAccessesToUnsealedRegions")
    void nativeCodeOverAShrunkUnsealedRegionKillsTheJvm(Region region, String access, @TempDir Path errors)
            throws Exception {
        String out = runChild(region, List.of(access), JVM_CRASH, errors);
        assertTrue(out.startsWith("sealed false\nstart " + access + "\n"), out);
        assertEquals(Map.of(), outcomes(out), "no outcome: the JVM died in the access");
        assertTrue(out.contains("SIGBUS"), out);
        try (Stream<Path> reports = Files.list(errors)) {
            List<Path> all = reports.toList();
            assertEquals(1, all.size(), all.toString());
            assertTrue(Files.readString(all.get(0)).contains("SIGBUS"), "the crash report names SIGBUS");
        }
    }

    /**
     * Makes a region of {@code region}'s kind, starts a child JVM that maps it and makes {@code accesses}, shrinks
     * the region to 0 bytes once the child has mapped it, and returns the child's stdout once it exited with
     * {@code status}. Crash reports go to {@code errors}; core dumps are off.
     */
    private static String runChild(Region region, List<String> accesses, int status, Path errors)
            throws Exception {
        String service = Peers.uniqueName("shrink");
        Made made = make(region);
        ProcessBuilder pb = Peers.javaChild(ShmChild.class, "shrink", service,
                made.name() == null ? "-" : made.name(), String.join(",", accesses));
        pb.command().add(1, "-XX:ErrorFile=" + errors.resolve("hs_err_%p.log"));
        pb.command().addAll(0, List.of("prlimit", "--core=0", "--"));
        try (Listener listener = Listener.bind(service); Peers.Running child = Peers.start(pb)) {
            Pod hello = accept(listener, child);
            hello.message().close();
            if (made.name() == null) {
                try (Handle h = Handle.ofFileDescriptor(made.fd())) {
                    hello.reply(bytes("region"), h);
                }
            } else {
                hello.reply(bytes("open it"));
            }
            Pod mapped = accept(listener, child);
            assertEquals("mapped", new String(mapped.message().payload(), StandardCharsets.UTF_8));
            MemorySegment errno = Native.threadCapture();
            int truncated = Unistd.ftruncate(errno, made.fd(), 0);
            if (region == Region.SEALED_MEMFD) {
                assertEquals(-1, truncated, "a sealed memfd cannot shrink");
                assertEquals("EPERM", Errno.name(Native.errno(errno)));
            } else {
                assertEquals(0, truncated, () -> "ftruncate: " + Errno.describe(Native.errno(errno)));
            }
            mapped.reply(bytes("shrunk"));
            return child.finish(WAIT, status);
        } finally {
            made.close();
        }
    }

    /** {@code <access> <outcome>} lines of the child's output, in order (a crashing JVM prints other lines). */
    private static Map<String, String> outcomes(String out) {
        Map<String, String> outcomes = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            int space = line.indexOf(' ');
            String access = space < 0 ? line : line.substring(0, space);
            if (space > 0 && (JAVA_ACCESSES.contains(access) || SYSCALL.equals(access) || REMAPS.contains(access)
                    || NATIVE_ACCESSES.contains(access))) {
                outcomes.put(access, line.substring(space + 1));
            }
        }
        return outcomes;
    }

    private static Pod accept(Listener listener, Peers.Running child) throws IOException {
        return listener.accept(WAIT).orElseGet(() -> fail("no message from the child within " + WAIT + ": "
                + child.report()));
    }

    /** A region the parent made: its descriptor, which the parent keeps to shrink it, and its name if it has one. */
    private record Made(int fd, String name) implements AutoCloseable {
        @Override
        public void close() {
            Fds.closeQuietly(fd);
            if (name != null) {
                try (Arena arena = Arena.ofConfined()) {
                    SysMman.shm_unlink(Native.threadCapture(), arena.allocateFrom(name));
                }
            }
        }
    }

    /** A region of {@code region}'s kind, with a valid header for {@link #CAPACITY} of {@link #TOTAL} bytes. */
    private static Made make(Region region) {
        return switch (region) {
            case SEALED_MEMFD -> new Made(memfd(SysMman.MFD_CLOEXEC | SysMman.MFD_ALLOW_SEALING), null);
            case UNSEALED_MEMFD -> new Made(memfd(SysMman.MFD_CLOEXEC), null);
            case SHM_FILE -> {
                String name = "/" + ShmTesting.name("rust");
                int fd = shmOpen(name);
                try (Arena arena = Arena.ofConfined()) {
                    SysMman.shm_unlink(Native.threadCapture(), arena.allocateFrom(name));
                }
                yield new Made(fd, null);
            }
            case NAMED -> {
                String name = "/" + ShmTesting.name("named");
                yield new Made(shmOpen(name), name);
            }
        };
    }

    private static int memfd(int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(arena);
            int fd = SysMman.memfd_create(errno, arena.allocateFrom("gips-shrink"), flags);
            if (fd < 0) {
                throw new IllegalStateException("memfd_create: " + Errno.describe(Native.errno(errno)));
            }
            return withHeader(fd);
        }
    }

    private static int shmOpen(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(arena);
            int fd = SysMman.shm_open(errno, arena.allocateFrom(name),
                    Fcntl.O_CREAT | Fcntl.O_EXCL | Fcntl.O_RDWR, 0600);
            if (fd < 0) {
                throw new IllegalStateException("shm_open " + name + ": " + Errno.describe(Native.errno(errno)));
            }
            return withHeader(fd);
        }
    }

    /** Sizes {@code fd} to the header and {@link #CAPACITY} data bytes and writes the header. */
    private static int withHeader(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(arena);
            if (Unistd.ftruncate(errno, fd, CAPACITY + 24) < 0) {
                throw new IllegalStateException("ftruncate: " + Errno.describe(Native.errno(errno)));
            }
            MemorySegment header = arena.allocate(24);
            header.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, CAPACITY);
            header.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, TOTAL);
            if (Unistd.write(errno, fd, header, 24) != 24) {
                throw new IllegalStateException("write: " + Errno.describe(Native.errno(errno)));
            }
            return fd;
        }
    }

    /** Lines of /proc/self/maps that map the object behind {@code fd}. */
    private static long mappingsOf(int fd) throws IOException {
        String inode = " " + Peers.inode(fd) + " ";
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.filter(l -> l.contains(inode)).count();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
