package dev.gips.tck;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Message;
import dev.gips.shm.Shm;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.time.Duration;
import java.util.Arrays;

/**
 * The other process of {@link ShmProcessContract}, run as a child JVM: {@code resize SERVICE CAPACITY} or
 * {@code open NAME}. Prints its findings on stdout; any failure is an exception, hence a non-zero exit.
 */
public final class ShmPeer {
    private ShmPeer() {}

    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Runs the mode its arguments name; see the class comment. */
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "resize" -> resize(args[1], Long.parseLong(args[2]));
            case "open" -> open(args[1]);
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /**
     * Receives a region, checks the parent's data, writes, grows it to {@code newCapacity}, writes past the old end.
     */
    private static void resize(String service, long newCapacity) throws Exception {
        try (Endpoint endpoint = Endpoint.connect(service)) {
            endpoint.send(bytes("hello"));
            Shm shm;
            try (Message m = endpoint.recv(WAIT).orElseThrow()) {
                shm = Shm.from(m.handles().get(0));
            }
            try (shm) {
                byte[] seen = shm.read(0, 13);
                if (!Arrays.equals(seen, bytes("parent's data"))) {
                    throw new AssertionError("parent's data not visible: " + new String(seen, StandardCharsets.UTF_8));
                }
                shm.write(bytes("child was here"), 200);
                long capacity = shm.resize(newCapacity);
                shm.write(bytes("end"), capacity - 3);
                endpoint.send(bytes("resized"));
                try (Message m = endpoint.recv(WAIT).orElseThrow()) {
                    expect("check", m.payload());
                }
                byte[] reply = shm.read(newCapacity - 100, 12);
                if (!Arrays.equals(reply, bytes("parent reply"))) {
                    throw new AssertionError("parent's write past the old capacity is not visible");
                }
                System.out.println("ok capacity " + capacity);
            }
        }
    }

    /** Opens a named region, writes into it, and tries to create it again. */
    private static void open(String name) throws Exception {
        try (Shm shm = Shm.open(name)) {
            shm.write(bytes("child wrote"), 0);
            try {
                Shm.create(name, 16).close();
                System.out.println("created again");
            } catch (FileAlreadyExistsException e) {
                System.out.println("refused: " + e.getMessage());
            }
        }
    }

    private static void expect(String want, byte[] got) {
        if (!Arrays.equals(bytes(want), got)) {
            throw new AssertionError("expected " + want + ", got " + new String(got, StandardCharsets.UTF_8));
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
