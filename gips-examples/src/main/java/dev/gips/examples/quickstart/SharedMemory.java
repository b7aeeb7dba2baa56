package dev.gips.examples.quickstart;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Handle;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.shm.Shm;
import dev.gips.shm.Size;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** README, "Shared memory": a region handed over as a handle, read without copying it through the socket. */
final class SharedMemory {
    private SharedMemory() {}

    // tag::shm[]
    // Create and share memory
    static void share(Endpoint endpoint) throws IOException {
        try (Shm shm = Shm.create(null, new Size(4096, 1 << 20))) {  // anonymous; 4 KiB, may grow to 1 MiB
            shm.write("Shared data".getBytes(UTF_8), 0);
            MemorySegment data = shm.segment();                     // zero-copy view of the data
            data.set(ValueLayout.JAVA_INT_UNALIGNED, 100, 42);
            try (Handle handle = Handle.of(shm)) {                  // a duplicate: shm stays usable
                endpoint.send("shm".getBytes(UTF_8), handle);
            }
        }
    }

    // Receive and access shared memory
    static void receive(Listener listener) throws IOException {
        try (Message message = listener.accept().message();
                Shm shm = Shm.from(message.handles().get(0))) {     // takes the handle
            byte[] data = shm.read(0, 11);                          // clamped to the region
            System.out.println("Shared data: " + new String(data, UTF_8));
            System.out.println("At 100: " + shm.segment().get(ValueLayout.JAVA_INT_UNALIGNED, 100));
        }
    }
    // end::shm[]
}
