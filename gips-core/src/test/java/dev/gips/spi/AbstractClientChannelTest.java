package dev.gips.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Credentials;
import dev.gips.ipc.Handle;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The client-channel plumbing every backend shares: sends funnel into one method, the attachment is set before the
 * backend starts reporting, and a client's held arrivals reach the ready queue in order once, or are released.
 */
class AbstractClientChannelTest {
    /** Records what the base class hands it. */
    private static final class Recording extends AbstractClientChannel {
        final List<String> calls = new ArrayList<>();
        boolean serve = true;
        Object attachmentSeen;

        @Override
        protected boolean transmit(ByteBuffer payload, long[] handles, boolean wait) {
            calls.add("buffer " + payload.remaining() + " wait=" + wait);
            return wait;
        }

        @Override
        protected boolean startReporting() {
            attachmentSeen = attachment();
            return serve;
        }

        @Override
        public Credentials credentials() {
            return null;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}
    }

    private static final class ArrayAware extends AbstractClientChannel {
        final List<String> calls = new ArrayList<>();

        @Override
        protected boolean transmit(ByteBuffer payload, long[] handles, boolean wait) {
            calls.add("buffer");
            return true;
        }

        @Override
        protected boolean transmit(byte[] payload, long[] handles, boolean wait) {
            calls.add("array " + payload.length + " wait=" + wait);
            return true;
        }

        @Override
        protected boolean startReporting() {
            return true;
        }

        @Override
        public Credentials credentials() {
            return null;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}
    }

    @Test
    void sendsWaitAndTrySendsDoNotAndArraysAreWrappedUnlessTheBackendTakesThem() throws Exception {
        Recording r = new Recording();
        long[] none = new long[0];
        r.send(ByteBuffer.allocate(3), none);
        assertFalse(r.trySend(new byte[5], none));
        assertEquals(List.of("buffer 3 wait=true", "buffer 5 wait=false"), r.calls);

        ArrayAware a = new ArrayAware();
        a.send(new byte[2], none);
        assertTrue(a.trySend(new byte[4], none));
        a.send(ByteBuffer.allocate(1), none);
        assertEquals(List.of("array 2 wait=true", "array 4 wait=false", "buffer"), a.calls);
    }

    @Test
    void admitSetsTheAttachmentBeforeTheBackendStartsReporting() {
        Recording r = new Recording();
        assertNull(r.attachment());
        Object state = new Object();
        assertTrue(r.admit(state));
        assertSame(state, r.attachmentSeen);
        assertSame(state, r.attachment());

        Recording refused = new Recording();
        refused.serve = false;
        assertFalse(refused.admit(state), "what startReporting says is what admit says");
    }

    @Test
    void heldArrivalsJoinTheReadyQueueInOrderOnceAdmitted() {
        Recording r = new Recording();
        ArrayDeque<Arrival> ready = new ArrayDeque<>();
        ready.add(Arrival.disconnected(new Recording())); // another client's, queued earlier
        RawMessage first = new RawMessage(new byte[] {1}, List.of());
        RawMessage second = new RawMessage(new byte[] {2}, List.of());
        assertFalse(r.isAdmitted());
        r.hold(Arrival.message(r, first));
        r.hold(Arrival.message(r, second));
        r.hold(Arrival.disconnected(r));
        assertTrue(r.admitInto(ready));
        assertTrue(r.isAdmitted());
        assertEquals(4, ready.size());
        ready.poll();
        assertSame(first, ready.poll().message());
        assertSame(second, ready.poll().message());
        assertEquals(Arrival.Kind.DISCONNECTED, ready.poll().kind());
        assertFalse(r.admitInto(ready), "nothing is held twice");
        assertFalse(new Recording().admitInto(ready), "a client that sent nothing moves nothing");
        assertTrue(ready.isEmpty());
    }

    @Test
    void aRefusedClientsHeldMessagesAreReleasedNeverQueued() {
        Recording r = new Recording();
        RawHandle h = new RawHandle(Handle.Kind.FILE_DESCRIPTOR, 7);
        r.hold(Arrival.message(r, new RawMessage(new byte[0], List.of(h))));
        r.hold(Arrival.disconnected(r));
        List<RawHandle> released = new ArrayList<>();
        r.discardHeld(m -> released.addAll(m.handles()));
        assertEquals(List.of(h), released);
        ArrayDeque<Arrival> ready = new ArrayDeque<>();
        assertFalse(r.admitInto(ready));
        assertTrue(ready.isEmpty());
        new Recording().discardHeld(m -> released.add(null)); // nothing held: nothing to release
        assertEquals(1, released.size());
    }
}
