package dev.gips.tck;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the contract suites need that differs per OS. Each backend's test sources provide one implementation, listed
 * in {@code META-INF/services/dev.gips.tck.OsHook}, and {@link Kit#hook()} finds it. An implementation must load
 * and construct on every OS (the macOS and Windows hooks are loaded on Linux, where {@link #unavailable()} says
 * why their suites are skipped): it touches native code only in the methods below, and only on its own OS.
 */
public interface OsHook {
    /** The OS this hook is for, for messages: {@code "Linux"}, {@code "macOS"}, {@code "Windows"}. */
    String name();

    /**
     * Why the suites cannot run in this JVM (another OS, say), or empty when they can. A reason skips every suite
     * with it; it is not a failure.
     */
    Optional<String> unavailable();

    /** What {@link #openHandles()} returns where the OS gives no count that shows one leaked handle. */
    long NOT_COUNTED = -1;

    /**
     * The OS handles this process holds now (open file descriptors on Linux), counted so that a leak of one shows:
     * the suites compare the count before and after. {@link #NOT_COUNTED} where the OS has no such count (then every
     * comparison of counts holds, and {@link LeakCheck} says in the test report that it did not count).
     */
    long openHandles();

    /** What the handles of {@link #openHandles()} are, for a failure message; the count when the OS cannot say. */
    default String describeHandles() {
        return openHandles() + " handles";
    }

    /**
     * Creates the process-wide objects the backend creates lazily and keeps for good (parking pollers, say), so that
     * {@link LeakCheck}'s baseline holds them instead of counting them as a leak.
     */
    default void warmUp() {}

    /**
     * The names of shared memory regions of this process (those holding its pid) that exist in the OS now, for
     * {@link LeakCheck}: empty where the OS cannot list them.
     */
    default Set<String> shmNames() {
        return Set.of();
    }

    /**
     * What this process holds for shared memory regions, by kind ({@code "file descriptors"}, {@code "memfd
     * mappings"}…), each growing while a region is open, so that one leaked region shows. Empty where the OS has no
     * such count; by default empty.
     */
    default Map<String, Long> shmResources() {
        return Map.of();
    }

    /**
     * The file a bound service {@code name} has in the file system, if this OS gives services files (Linux: the
     * socket file): the suites check that it lives as long as its listener and clean up what a killed server left.
     */
    default Optional<Path> serviceFile(String name) {
        return Optional.empty();
    }

    /** The blocking calls whose wait the suites interrupt by closing the object. */
    enum Blocking {
        /** {@code Listener.accept()}. */
        ACCEPT,
        /** {@code Listener.accept(Duration)}. */
        ACCEPT_TIMED,
        /** {@code Endpoint.recv()}. */
        RECV,
        /** {@code Endpoint.recv(Duration)}. */
        RECV_TIMED
    }

    /**
     * The frame ({@code SimpleClassName.method}) a platform thread is in while {@code call} waits (on Linux
     * {@code "SysEpoll.epoll_wait"} for {@code accept}), so that a suite knows a call really waits before it closes
     * the object under it.
     */
    String blockedFrame(Blocking call);

    /**
     * A child JVM like {@link Peers#javaChild} that runs as a second user of this machine, so that a policy that
     * admits only this process's user refuses it. Where the OS or this process's privileges allow none, aborts the
     * calling test with the reason (an assumption, so a skip), or fails it where the environment demands that every
     * test run (Linux: {@code GIPS_TESTS_REQUIRE_ROOT=1}).
     */
    ProcessBuilder javaChildAsOtherUser(Class<?> main, String... args);

    /** A user id, in {@code Credentials.uid} form, that no user in {@code ours} has. */
    String unusedUserId(List<String> ours);

    /** A group id, in {@code Credentials.gidList} form, that no group in {@code ours} has. */
    String unusedGroupId(List<String> ours);

    /** What the contract allows a backend to lack; each backend documents what it lacks in its README section. */
    enum Feature {
        /** A {@code Connection} whose client's queue is full is not reported WRITABLE until the client reads. */
        WRITABLE_ONLY_WITH_ROOM,
        /** {@code Shm.unlink()} removes the name at once, so that the name can be created again. */
        SHM_UNLINK
    }

    /** Why this backend lacks {@code feature} (a test of it is then skipped with that reason), or empty. */
    default Optional<String> lacks(Feature feature) {
        return Optional.empty();
    }
}
