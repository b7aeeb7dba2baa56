package dev.gips.linux;

import dev.gips.internal.BackendWarmup;
import java.lang.invoke.MethodHandle;

/**
 * Links, on a daemon thread, native calls that the program is about to make, while the thread that binds or
 * connects goes its way: in a fresh JVM each call shape costs milliseconds to link (the JDK generates a class and a
 * call stub for it), and a program that binds, connects and sends one message spends most of its time there. This
 * thread links them in the order the program needs them and gets ahead, since the caller's thread has classes to
 * load and system calls to make between the calls it links; where the two meet, the JVM initializes each binding's
 * holder class once and the other thread waits for it, so nothing is linked twice.
 *
 * <p>Started by {@link LinuxBackend} once its probe found native access allowed, and only with more than one CPU
 * available (confined to one CPU, the JVM would merely switch between the two threads) and not with
 * {@code -Dgips.warmup=false}. It links only calls that every endpoint and every listener that serves a client
 * make, and the calls only a listener makes once {@link #listenerComing()} said that one is being bound: the
 * warm-up links nothing such a program would not have linked anyway.
 */
final class Warmup implements Runnable {
    private Warmup() {}

    /** Set when a listener is being bound: its calls are worth linking too. */
    private static volatile boolean listener;

    /** Starts the warm-up if it can help, by core's rule ({@link BackendWarmup#startDaemon}). */
    static void start() {
        BackendWarmup.startDaemon("gips-linux-warmup", new Warmup());
    }

    /** Says that a listener is being bound, so that a running warm-up links a listener's calls too. */
    static void listenerComing() {
        listener = true;
    }

    @Override
    public void run() {
        try {
            // in the order the caller's thread needs them, but for socket, its very first call, which it links itself
            // meanwhile; statx first also gives LinuxBackend.bind time to say whether a listener is coming
            touch(SysStat.Statx.statx);
            if (listener) {
                touch(Unistd.Geteuid.geteuid, Fcntl.Openat.openat);
            }
            touch(SysSocket.Bind.bind);
            if (listener) {
                touch(SysSocket.Listen.listen, SysEpoll.EpollCtl.epoll_ctl);
            }
            touch(SysMman.Mmap.mmap, SysSocket.Getsockopt.getsockopt, SysSocket.Sendmsg.sendmsg);
            if (listener) {
                touch(SysSocket.Accept4.accept4);
            }
            touch(SysMman.Munmap.munmap);
        } catch (RuntimeException | Error e) {
            // cannot happen with a libc that has statx (glibc 2.28), where the probe linked a call already; were it to,
            // the caller's thread would meet it at that call, as a NoClassDefFoundError caused by the original error
        }
    }

    /** Reads the handles, which initializes (links) their holder classes; nothing else to do with them. */
    static void touch(MethodHandle... handles) {
        // the array's creation did the work
    }
}
