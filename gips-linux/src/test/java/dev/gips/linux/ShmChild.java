package dev.gips.linux;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Handle;
import dev.gips.ipc.Message;
import dev.gips.shm.Shm;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.zip.Adler32;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The other process of Linux's shared memory tests, started as a child JVM by {@link ShmProcessTest} and
 * {@link ShmShrinkTest} (the kit's {@code ShmPeer} is the one of its contract). Prints its findings on stdout; any failure is an exception, hence a non-zero exit.
 */
final class ShmChild {
    private ShmChild() {}

    static final Duration WAIT = Duration.ofSeconds(30);

    public static void main(String[] args) throws Throwable {
        switch (args[0]) {
            case "anonymous" -> anonymous();
            case "shrink" -> shrink(args[1], args[2], args[3].split(","));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /** Creates an anonymous region and waits to be killed. */
    private static void anonymous() throws Exception {
        Shm shm = Shm.create(null, 1 << 20);
        shm.write(bytes("doomed"), 0);
        Handle h = Handle.of(shm);
        System.out.println(Files.readSymbolicLink(Path.of("/proc/self/fd/" + h.fileDescriptor())));
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(WAIT.toMillis()); // the parent kills us long before
        shm.close();
    }

    /**
     * Receives a region (or opens the named one, unless {@code name} is {@code -}), prints {@code sealed
     * <isSealed()>}, says "mapped" and waits until the parent has tried to shrink it; then makes each access and
     * prints {@code start <access>}, then {@code <access> ok} or {@code <access> <exception>[: message]}. An access
     * that kills the JVM leaves {@code start <access>} as its last line.
     */
    private static void shrink(String service, String name, String[] accesses) throws Throwable {
        try (Endpoint endpoint = Endpoint.connect(service)) {
            endpoint.send(bytes("hello"));
            Shm shm;
            try (Message m = endpoint.recv(WAIT).orElseThrow()) {
                shm = name.equals("-") ? Shm.from(m.handles().get(0)) : Shm.open(name);
            }
            try (shm) {
                MemorySegment data = shm.segment(); // taken before the shrink, as an application would
                System.out.println("sealed " + shm.isSealed());
                endpoint.send(bytes("mapped"));
                endpoint.recv(WAIT).orElseThrow().close();
                for (String access : accesses) {
                    System.out.println("start " + access);
                    System.out.flush();
                    String outcome;
                    try {
                        access(access, shm, data);
                        outcome = "ok";
                    } catch (InternalError | IOException e) {
                        outcome = e.getClass().getSimpleName()
                                + (e instanceof IOException ? ": " + e.getMessage() : "");
                    }
                    System.out.println(access + " " + outcome);
                }
            }
        }
    }

    /** Bytes each access touches: from the start of the data, so all of them lie past the end of a shrunk object. */
    static final int SPAN = 16384;

    private static void access(String access, Shm shm, MemorySegment data) throws Throwable {
        MemorySegment span = data.asSlice(0, SPAN);
        switch (access) {
            // through Shm
            case "read" -> shm.read(0, SPAN);
            case "readInto" -> shm.read(0, new byte[SPAN]);
            case "write" -> shm.write(new byte[SPAN], 0);
            case "header" -> shm.header().capacity();
            case "remap" -> shm.remap();
            case "resize" -> shm.resize(shm.mapped()); // 24 bytes more: mapped() reads no header, total() would
            // Java code over the segment
            case "get" -> span.get(ValueLayout.JAVA_LONG, SPAN - 8);
            case "set" -> span.set(ValueLayout.JAVA_LONG, SPAN - 8, 1L);
            case "copy" -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment.copy(span, 0, arena.allocate(SPAN), 0, SPAN);
                }
            }
            case "fill" -> span.fill((byte) 0); // zeros, so that getString finds its terminator
            case "mismatch" -> MemorySegment.mismatch(span, 0, SPAN, MemorySegment.ofArray(new byte[SPAN]), 0, SPAN);
            case "toArray" -> span.toArray(ValueLayout.JAVA_BYTE);
            case "getString" -> span.getString(0);
            case "bufferGet" -> span.asByteBuffer().get(new byte[SPAN]);
            case "bufferPut" -> span.asByteBuffer().put(new byte[SPAN]);
            case "digest" -> MessageDigest.getInstance("SHA-256").update(span.asByteBuffer());
            // a system call given the memory
            case "fileWrite" -> {
                Path file = Files.createTempFile("gips-shrink", ".bin");
                try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    out.write(span.asByteBuffer());
                } finally {
                    Files.delete(file);
                }
            }
            // native code given the memory
            case "crc32" -> new CRC32().update(span.asByteBuffer());
            case "crc32c" -> new CRC32C().update(span.asByteBuffer());
            case "adler32" -> new Adler32().update(span.asByteBuffer());
            case "deflater" -> {
                Deflater deflater = new Deflater();
                try {
                    deflater.setInput(span.asByteBuffer());
                    deflater.finish();
                    deflater.deflate(ByteBuffer.allocate(2 * SPAN));
                } finally {
                    deflater.end();
                }
            }
            case "inflater" -> {
                Inflater inflater = new Inflater();
                try {
                    inflater.setInput(span.asByteBuffer());
                    inflater.inflate(ByteBuffer.allocate(2 * SPAN));
                } catch (DataFormatException e) {
                    // zeros are no zlib stream: the bytes were read, which is all this access is about
                } finally {
                    inflater.end();
                }
            }
            case "memcpy" -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment ignored = (MemorySegment) MEMCPY.invokeExact(arena.allocate(SPAN), span, (long) SPAN);
                }
            }
            case "compareAndSet" -> ValueLayout.JAVA_LONG.varHandle().compareAndSet(span, 0L, 0L, 1L);
            case "weakCompareAndSet" -> ValueLayout.JAVA_LONG.varHandle().weakCompareAndSet(span, 0L, 0L, 1L);
            case "compareAndExchange" -> {
                long witness = (long) ValueLayout.JAVA_LONG.varHandle().compareAndExchange(span, 0L, 0L, 1L);
            }
            default -> throw new IllegalArgumentException(access);
        }
    }

    /** {@code void *memcpy(void *dest, const void *src, size_t n)}. */
    private static final MethodHandle MEMCPY = Native.downcall("memcpy", FunctionDescriptor.of(
            Native.C_POINTER, Native.C_POINTER, Native.C_POINTER, Native.C_SIZE_T));

    private static void expect(String want, byte[] got) {
        if (!Arrays.equals(bytes(want), got)) {
            throw new AssertionError("expected " + want + ", got " + new String(got, StandardCharsets.UTF_8));
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
