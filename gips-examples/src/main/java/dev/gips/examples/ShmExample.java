package dev.gips.examples;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Handle;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import dev.gips.shm.Shm;
import dev.gips.shm.Size;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Shared memory between two processes: a producer creates an anonymous region, writes into it and hands it to a
 * consumer (a second JVM it starts) over IPC; the consumer reads it, grows it and writes back; the producer picks up
 * the growth with {@code remap()} and reads the answer. Nothing is copied through the socket but a handle.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp ... dev.gips.examples.ShmExample            # both processes
 * java --enable-native-access=ALL-UNNAMED -cp ... dev.gips.examples.ShmExample consumer   # the consumer alone
 * </pre>
 */
public final class ShmExample {
    static final String SERVICE = "com.example.shm";
    static final Duration WAIT = Duration.ofSeconds(30);
    /** Where the consumer answers: past the producer's initial capacity, so it must grow the region first. */
    static final long ANSWER_OFFSET = 4096;

    private ShmExample() {}

    /** Runs the producer (which starts the consumer), or with argument {@code consumer} the consumer alone. */
    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "producer";
        switch (mode) {
            case "producer" -> producer();
            case "consumer" -> consumer();
            default -> {
                System.err.println("usage: ShmExample [consumer]");
                System.exit(2);
            }
        }
    }

    private static void producer() throws Exception {
        String who = "producer (pid " + ProcessHandle.current().pid() + ")";
        // anonymous: no name in /dev/shm, even if this process is killed; it travels only as a handle
        try (Listener listener = Listener.bind(SERVICE); Shm shm = Shm.create(null, new Size(4096, 1 << 20))) {
            System.out.println(who + ": created an anonymous region, capacity " + shm.capacity() + ", may grow to "
                    + shm.total());
            shm.write(text("Hello from the producer!"), 0);
            MemorySegment data = shm.segment();                   // zero-copy view of the data
            data.set(ValueLayout.JAVA_LONG_UNALIGNED, 100, 42L);
            System.out.println(who + ": wrote \"Hello from the producer!\" at 0 and the number 42 at 100");

            Process consumer = ChildJvm.start(ShmExample.class, "consumer");
            Pod ready = next(listener, consumer);
            ready.message().close();
            try (Handle handle = Handle.of(shm)) {                // a duplicate of the region's descriptor
                ready.reply(text("here is the region"), handle);
            }
            Pod done = next(listener, consumer);
            done.message().close();
            System.out.println(who + ": header says capacity " + shm.header().capacity() + "; mapped here "
                    + shm.capacity() + ", so remap()");
            shm.remap();                                          // the consumer grew the region
            System.out.println(who + ": capacity now " + shm.capacity() + "; the consumer wrote \""
                    + string(shm.read(ANSWER_OFFSET, 64)) + "\" at " + ANSWER_OFFSET);
            done.reply(text("bye"));
            ChildJvm.await(consumer, "consumer");
        }
        System.out.println("done");
    }

    private static void consumer() throws IOException {
        String who = "consumer (pid " + ProcessHandle.current().pid() + ")";
        try (Endpoint endpoint = Endpoint.connect(SERVICE)) {
            endpoint.send(text("ready"));
            try (Message message = endpoint.recv(WAIT).orElseThrow();
                    Shm shm = Shm.from(message.handles().get(0))) {   // takes the handle
                System.out.println(who + ": mapped the region, capacity " + shm.capacity() + "; it reads \""
                        + string(shm.read(0, 24)) + "\" and the number "
                        + shm.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 100));
                long capacity = shm.resize(ANSWER_OFFSET + 4096);
                String answer = "Hello from the consumer!";
                shm.write(text(answer), ANSWER_OFFSET);
                System.out.println(who + ": grew the region to " + capacity + " and wrote \"" + answer + "\" at "
                        + ANSWER_OFFSET);
                endpoint.send(text("done"));
                endpoint.recv(WAIT).orElseThrow().close();
            }
        }
    }

    private static Pod next(Listener listener, Process consumer) throws IOException {
        return listener.accept(WAIT).orElseThrow(() -> {
            consumer.destroyForcibly();
            return new IllegalStateException("the consumer did not answer within " + WAIT);
        });
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The text up to the first NUL: the region is zero-filled past what was written. */
    private static String string(byte[] bytes) {
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }
}
