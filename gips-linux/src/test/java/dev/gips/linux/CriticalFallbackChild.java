package dev.gips.linux;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Child JVM main for {@link CriticalFallbackTest}: {@code CriticalFallbackChild NAME} prints
 * {@code critical=<Native.CRITICAL_WITH_ERRNO>}, then sends out-of-band payloads (from a Java array and from a
 * direct buffer) through a listener of its own, replies with one, then sends and replies with inline payloads of
 * {@link Wire#DIRECT_MIN} bytes and more, more than {@link MsgBuffers#DIRECT_SEND_AFTER} each way, checks every byte and prints {@code ok}.
 */
public final class CriticalFallbackChild {
    private CriticalFallbackChild() {}

    public static void main(String[] args) throws Exception {
        System.out.println("critical=" + Native.CRITICAL_WITH_ERRNO);
        Duration wait = Duration.ofSeconds(30);
        byte[] heap = pattern(3 * (1 << 20) + 7, 3);        // more than one COPY_CHUNK, not a multiple of it
        byte[] direct = pattern(Sockets.INLINE_MAX + 1, 5);  // just out of band
        ByteBuffer directBuffer = ByteBuffer.allocateDirect(direct.length).put(direct).flip();
        try (Listener listener = Listener.bind(args[0]); Endpoint endpoint = Endpoint.connect(args[0])) {
            endpoint.send(heap);
            endpoint.send(directBuffer, List.of());
            Pod first = listener.accept(wait).orElseThrow();
            try (Message m = first.message()) {
                check("heap payload", heap, m.payload());
            }
            Pod second = listener.accept(wait).orElseThrow();
            try (Message m = second.message()) {
                check("direct payload", direct, m.payload());
                second.reply(heap);
            }
            try (Message reply = endpoint.recv(wait).orElseThrow()) {
                check("reply", heap, reply.payload());
            }
            // inline payloads without handles, each way, as many as it takes for the sends to go from the array
            // (MsgBuffers.DIRECT_SEND_AFTER) and large enough for all but the first to be received directly
            byte[] inline = pattern((int) Wire.DIRECT_MIN + 5, 7);
            for (int i = 0; i <= MsgBuffers.DIRECT_SEND_AFTER + 1; i++) {
                endpoint.send(inline);
                Pod pod = listener.accept(wait).orElseThrow();
                try (Message m = pod.message()) {
                    check("inline payload " + i, inline, m.payload());
                    pod.reply(inline);
                }
                try (Message reply = endpoint.recv(wait).orElseThrow()) {
                    check("inline reply " + i, inline, reply.payload());
                }
            }
        }
        System.out.println("ok");
    }

    private static byte[] pattern(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 31 + seed + (i >>> 16));
        }
        return b;
    }

    private static void check(String what, byte[] expected, byte[] actual) {
        if (!Arrays.equals(expected, actual)) {
            throw new AssertionError(what + " differs: " + expected.length + " bytes sent, " + actual.length
                    + " received");
        }
    }
}
