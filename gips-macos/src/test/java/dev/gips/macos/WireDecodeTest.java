package dev.gips.macos;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.spi.Limits;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Decoding trusts nothing: each malformed message (built by hand as the kernel would deliver it, trailer
 * included) is refused with a message naming the problem, and every right and region it carried is released.
 */
class WireDecodeTest {
    private static final int RECEIVED_BITS = 0x80000000 | MachMessage.MACH_MSG_TYPE_PORT_SEND; // complex, reply
    private static final int REPLY = 0x1e07;
    private static final int LISTENER = 0x2a03;
    private static final int[] AUDIT = {500, 501, 20, 502, 21, 4242, 100007, 3};

    private final Arena arena = Arena.ofConfined();
    private final List<String> released = new ArrayList<>();
    private final Wire.Releaser recorder = new Wire.Releaser() {
        @Override
        public void port(int name, int disposition) {
            released.add("port " + Integer.toHexString(name) + "/" + disposition);
        }

        @Override
        public void memory(long address, long size) {
            released.add("memory " + Long.toHexString(address) + "+" + size);
        }

        @Override
        public void portArray(long address, int count, int disposition) {
            released.add("ports " + Long.toHexString(address) + "x" + count + "/" + disposition);
        }

        @Override
        public void guardedPort(int name, long context, int disposition) {
            released.add("guarded " + Integer.toHexString(name) + "@" + Long.toHexString(context) + "/" + disposition);
        }
    };

    @AfterEach
    void close() {
        arena.close();
    }

    private static Le header(int bits, int size, int id) {
        return new Le().u32(bits).u32(size).u32(REPLY).u32(LISTENER).u32(0).u32(id);
    }

    private static Le port(Le m, int name, int disposition) {
        return m.u32(name).u32(0).u16(0).u8(disposition).u8(MachMessage.MACH_MSG_PORT_DESCRIPTOR);
    }

    private static Le ool(Le m, int type, long address, int size) {
        return m.u64(address).u8(1).u8(MachMessage.MACH_MSG_VIRTUAL_COPY).u8(0).u8(type).u32(size);
    }

    private static Le auditTrailer(Le m) {
        m.u32(MachMessage.MACH_MSG_TRAILER_FORMAT_0).u32(52).u32(9).u32(501).u32(20);
        for (int v : AUDIT) {
            m.u32(v);
        }
        return m;
    }

    /** {@code m} (whose msgh_size must be right) plus the audit trailer, in a buffer with spare room. */
    private MemorySegment received(Le m) {
        return auditTrailer(m).native_(arena, MachMessage.MAX_TRAILER_SIZE);
    }

    private Wire.Received decode(MemorySegment buf) throws MalformedMessageException {
        return Wire.decode(buf, recorder);
    }

    private void refused(MemorySegment buf, String expectedText, String... expectedReleases) {
        MalformedMessageException e = assertThrows(MalformedMessageException.class, () -> decode(buf));
        assertTrue(e.getMessage().contains(expectedText), () -> "message was: " + e.getMessage());
        assertEquals(List.of(expectedReleases), released);
    }

    @Test
    void aWellFormedMessageIsDecodedAndNothingReleased() throws Exception {
        Le m = header(RECEIVED_BITS, 24 + 4 + 24 + 8, 5).u32(2);
        port(m, 0x1103, 17);
        port(m, 0x1207, 17);
        m.bytes("hello".getBytes(US_ASCII)).u8(0).u8(0).u8(0);
        Wire.Received r = decode(received(m));
        assertArrayEquals("hello".getBytes(US_ASCII), r.payload());
        assertArrayEquals(new int[] {0x1103, 0x1207}, r.ports());
        assertEquals(REPLY, r.remotePort());
        assertEquals(MachMessage.MACH_MSG_TYPE_PORT_SEND, r.remoteDisposition());
        assertEquals(LISTENER, r.localPort());
        assertArrayEquals(AUDIT, r.audit());
        assertEquals(List.of(), released);
    }

    @Test
    void whatTheEncoderWritesDecodesBack() throws Exception {
        MemorySegment buf = arena.allocate(256, 8);
        int n = Wire.encode(buf, REPLY, MachMessage.MACH_MSG_TYPE_COPY_SEND, 0, 0,
                List.of(new Wire.Port(0x77, MachMessage.MACH_MSG_TYPE_COPY_SEND)),
                MemorySegment.ofArray("abc".getBytes(US_ASCII)));
        // what the kernel changes on the way: the disposition reads as the right received
        buf.set(java.lang.foreign.ValueLayout.JAVA_BYTE, Wire.DESCRIPTORS + 10, (byte) 17);
        Le trailer = auditTrailer(new Le());
        MemorySegment.copy(trailer.toArray(), 0, buf, java.lang.foreign.ValueLayout.JAVA_BYTE, n, trailer.size());
        Wire.Received r = decode(buf);
        assertArrayEquals("abc".getBytes(US_ASCII), r.payload());
        assertArrayEquals(new int[] {0x77}, r.ports());
    }

    @Test
    void anOolRegionWithinTheLimitIsHandedOver() throws Exception {
        Le m = header(RECEIVED_BITS, 24 + 4 + 16, 0).u32(1);
        ool(m, MachMessage.MACH_MSG_OOL_DESCRIPTOR, 0x7f0000001000L, 4096);
        Wire.Received r = decode(received(m));
        assertEquals(List.of(new Wire.Ool(0x7f0000001000L, 4096, false, 1)), r.ool());
        assertEquals(List.of(), released);
    }

    @Test
    void lessThanAHeaderIsTruncated() {
        refused(new Le().u32(RECEIVED_BITS).u32(24).native_(arena, 0), "truncated");
    }

    @Test
    void aSizeThatIsNotAMultipleOf4IsRefused() {
        refused(received(header(RECEIVED_BITS, 30, 0).u32(0).u16(0)), "not a multiple of 4");
    }

    @Test
    void aSizeBelowTheHeaderIsRefused() {
        refused(received(header(RECEIVED_BITS, 20, 0).u32(0)), "at least 24");
    }

    @Test
    void aSizeBeyondTheBufferIsRefused() {
        Le m = header(RECEIVED_BITS, 4096, 0).u32(0);
        refused(auditTrailer(m).native_(arena, 0), "exceeds the");
    }

    @Test
    void aComplexMessageWithoutABodyIsRefused() {
        refused(received(header(RECEIVED_BITS, 24, 0)), "has no body");
    }

    @Test
    void aDescriptorCountBeyondTheMessageIsRefused() {
        Le m = header(RECEIVED_BITS, 24 + 4 + 12, 0).u32(1000);
        port(m, 0x1103, 17);
        refused(received(m), "descriptor count 1000 exceeds");
    }

    @Test
    void aNegativeCountIsRefused() {
        Le m = header(RECEIVED_BITS, 24 + 4 + 12, 0).u32(-1);
        port(m, 0x1103, 17);
        refused(received(m), "descriptor count 4294967295 exceeds");
    }

    @Test
    void aDescriptorRunningPastTheMessageReleasesThoseBefore() {
        // a port (12) then an OOL whose last 4 bytes would lie past msgh_size
        Le m = header(RECEIVED_BITS, 24 + 4 + 12 + 12, 0).u32(2);
        port(m, 0x1103, 17);
        m.u64(0x7f0000002000L).u8(0).u8(1).u8(0).u8(MachMessage.MACH_MSG_OOL_DESCRIPTOR);
        refused(received(m), "descriptor 1 runs past msgh_size", "port 1103/17");
    }

    @Test
    void anUnknownDescriptorTypeIsRefusedAndThoseBeforeReleased() {
        Le m = header(RECEIVED_BITS, 24 + 4 + 12 + 16, 0).u32(2);
        port(m, 0x1103, 17);
        ool(m, 7, 0x1000, 8);
        refused(received(m), "descriptor 1 has unknown type 7", "port 1103/17");
    }

    @Test
    void aReceiveRightIsDestroyedAndRefused() {
        Le m = header(RECEIVED_BITS, 24 + 4 + 24, 0).u32(2);
        port(m, 0x1103, 17);
        port(m, 0x1303, MachMessage.MACH_MSG_TYPE_MOVE_RECEIVE);
        refused(received(m), "descriptor 1 carries a right of disposition 16", "port 1303/16", "port 1103/17");
    }

    @Test
    void aSendOnceRightIsReleasedAndRefused() {
        Le m = header(RECEIVED_BITS, 24 + 4 + 12, 0).u32(1);
        port(m, 0x1403, MachMessage.MACH_MSG_TYPE_PORT_SEND_ONCE);
        refused(received(m), "disposition 18", "port 1403/18");
    }

    @Test
    void nullAndDeadPortsAreRefused() {
        Le m = header(RECEIVED_BITS, 24 + 4 + 24, 0).u32(2);
        port(m, 0x1103, 17);
        port(m, MachPort.MACH_PORT_DEAD, 17);
        refused(received(m), "descriptor 1 carries a dead port", "port 1103/17");
        released.clear();
        Le n = header(RECEIVED_BITS, 24 + 4 + 12, 0).u32(1);
        port(n, 0, 17);
        refused(received(n), "carries a null port");
    }

    @Test
    void oolMemoryBeyondTheLimitIsDeallocatedAndRefused() {
        Le m = header(RECEIVED_BITS, 24 + 4 + 12 + 16, 0).u32(2);
        port(m, 0x1103, 17);
        ool(m, MachMessage.MACH_MSG_OOL_DESCRIPTOR, 0x7f0000400000L, Limits.MAX_PAYLOAD + 1);
        refused(received(m), "more than " + Limits.MAX_PAYLOAD, "memory 7f0000400000+" + (Limits.MAX_PAYLOAD + 1),
                "port 1103/17");
    }

    @Test
    void volatileOolIsDeallocatedAndRefused() {
        Le m = header(RECEIVED_BITS, 24 + 4 + 16, 0).u32(1);
        ool(m, MachMessage.MACH_MSG_OOL_VOLATILE_DESCRIPTOR, 0x5000, 64);
        refused(received(m), "volatile", "memory 5000+64");
    }

    @Test
    void oolPortArraysAreReleasedAndRefused() {
        Le m = header(RECEIVED_BITS, 24 + 4 + 16, 0).u32(1);
        m.u64(0x6000).u8(1).u8(1).u8(17).u8(MachMessage.MACH_MSG_OOL_PORTS_DESCRIPTOR).u32(3);
        refused(received(m), "OOL port array", "ports 6000x3/17");
    }

    @Test
    void guardedPortsAreDestroyedWithTheirGuardAndRefused() {
        Le m = header(RECEIVED_BITS, 24 + 4 + 16, 0).u32(1);
        m.u64(0xabcdefL).u16(1).u8(16).u8(MachMessage.MACH_MSG_GUARDED_PORT_DESCRIPTOR).u32(0x1503);
        refused(received(m), "guarded port", "guarded 1503@abcdef/16");
    }

    @Test
    void aPayloadLengthBeyondTheMessageIsRefusedAndPortsReleased() {
        Le m = header(RECEIVED_BITS, 24 + 4 + 12 + 4, 9).u32(1);
        port(m, 0x1103, 17);
        m.u32(0x61626364);
        refused(received(m), "msgh_id says 9 payload bytes, but 4 bytes follow", "port 1103/17");
    }

    @Test
    void aNegativePayloadLengthIsRefused() {
        refused(received(header(RECEIVED_BITS, 28, -1).u32(0)), "msgh_id says -1");
    }

    @Test
    void paddingBeyond3BytesIsALie() {
        // gips pads to the next multiple of 4 only: 1 payload byte with 8 bytes after the descriptors is forged
        refused(received(header(RECEIVED_BITS, 36, 1).u32(0).u64(0)), "msgh_id says 1 payload bytes, but 8");
    }

    @Test
    void aMissingAuditTrailerIsRefusedAndPortsReleased() {
        Le m = header(RECEIVED_BITS, 24 + 4 + 12, 0).u32(1);
        port(m, 0x1103, 17);
        m.u32(0).u32(8); // the minimal trailer a receive without trailer options gets
        refused(m.native_(arena, 0), "no audit trailer (format 0, 8 bytes)", "port 1103/17");
    }

    @Test
    void anUnknownTrailerFormatIsRefused() {
        Le m = header(RECEIVED_BITS, 28, 0).u32(0);
        m.u32(1).u32(52);
        refused(m.native_(arena, 52), "no audit trailer (format 1");
    }

    @Test
    void aTrailerClaimingMoreThanTheBufferHoldsIsRefused() {
        Le m = header(RECEIVED_BITS, 28, 0).u32(0);
        m.u32(0).u32(52).u32(0); // says 52 bytes, but the buffer ends 12 bytes into it
        refused(m.native_(arena, 0), "no audit trailer");
    }

    @Test
    void moreDescriptorsThanTheHandleLimitAreRefusedAndAllReleased() {
        int count = Limits.MAX_HANDLES + 1;
        Le m = header(RECEIVED_BITS, 24 + 4 + 12 * count, 0).u32(count);
        List<String> all = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            port(m, 0x2000 + i, 17);
            all.add("port " + Integer.toHexString(0x2000 + i) + "/17");
        }
        refused(received(m), "more than " + Limits.MAX_HANDLES, all.toArray(String[]::new));
    }

    @Test
    void aDescriptorCountWithoutTheComplexBitIsForged() {
        Le m = header(MachMessage.MACH_MSG_TYPE_PORT_SEND, 24 + 4 + 12, 0).u32(1);
        port(m, 0x1103, 17);
        // without COMPLEX the kernel moved no right, so there is nothing to release
        refused(received(m), "without MACH_MSGH_BITS_COMPLEX");
    }

    @Test
    void aSimpleMessageWithAZeroCountIsAccepted() throws Exception {
        Le m = header(MachMessage.MACH_MSG_TYPE_PORT_SEND, 24 + 4 + 4, 3).u32(0).bytes(new byte[] {1, 2, 3, 0});
        assertArrayEquals(new byte[] {1, 2, 3}, decode(received(m)).payload());
    }

    @Test
    void aVoucherIsReleasedEvenInAGoodMessage() throws Exception {
        Le m = new Le().u32(RECEIVED_BITS | (MachMessage.MACH_MSG_TYPE_PORT_SEND << 16)).u32(28).u32(REPLY)
                .u32(LISTENER).u32(0x1603).u32(0).u32(0);
        decode(received(m));
        assertEquals(List.of("port 1603/17"), released);
    }

    @Test
    void aPayloadBeyondTheLimitIsRefused() {
        int big = Limits.MAX_PAYLOAD + 4;
        Le m = header(RECEIVED_BITS, 28 + big, big).u32(0);
        m.bytes(new byte[big]);
        refused(received(m), "exceeds the limit");
    }

    @Test
    void notificationsNameTheirPort() {
        // mach_dead_name_notification_t: header, NDR_record_t, not_port
        Le m = new Le().u32(MachMessage.MACH_MSG_TYPE_PORT_SEND_ONCE).u32(36).u32(0).u32(0x99).u32(0)
                .u32(MachPort.MACH_NOTIFY_DEAD_NAME).u64(0).u32(0x1e07);
        MemorySegment buf = received(m);
        assertEquals(MachPort.MACH_NOTIFY_DEAD_NAME, Wire.id(buf));
        assertEquals(0x1e07, Wire.notifiedName(buf));
        // mach_no_senders_notification_t: header, NDR_record_t, not_count
        Le noSenders = new Le().u32(MachMessage.MACH_MSG_TYPE_PORT_SEND_ONCE).u32(36).u32(0).u32(0x99).u32(0)
                .u32(MachPort.MACH_NOTIFY_NO_SENDERS).u64(0).u32(3);
        assertEquals(3, Wire.notifiedCount(received(noSenders)));
        Le shortOne = new Le().u32(0).u32(24).u32(0).u32(0x99).u32(0).u32(MachPort.MACH_NOTIFY_DEAD_NAME);
        assertEquals(MachPort.MACH_PORT_NULL, Wire.notifiedName(received(shortOne)));
        assertEquals(0, Wire.notifiedCount(received(shortOne)));
    }
}
