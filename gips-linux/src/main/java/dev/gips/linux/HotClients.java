package dev.gips.linux;

import java.util.Arrays;

/**
 * The clients whose shared-memory channels brought a listener's last messages, newest first: a blocking receive looks
 * at their rings for a while before it sleeps ({@link SeqpacketListener}), since a request/reply client's next request
 * usually comes that soon. Only the listener's receiving thread uses it (its receive lock). A client is looked at with
 * its gate entered, so that its rings are never read after they were unmapped; one that closed drops out.
 */
final class HotClients {
    /** How many clients a receive spins on: the cost of one look grows with them. */
    static final int CAPACITY = 8;

    private final SeqpacketClient[] clients = new SeqpacketClient[CAPACITY];
    private int awake;

    boolean isEmpty() {
        return clients[0] == null;
    }

    /** Notes that a message came through {@code c}'s ring: it goes first. */
    void touch(SeqpacketClient c) {
        if (clients[0] == c) {
            return;
        }
        SeqpacketClient carry = c;
        for (int i = 0; i < CAPACITY && carry != null; i++) {
            SeqpacketClient was = clients[i];
            clients[i] = carry;
            carry = was == c ? null : was;
        }
    }

    /**
     * Tells each client's producer that the listener looks at the ring itself, so that it need not ring the socket;
     * drops the clients that closed.
     */
    void stayAwake() {
        int count = 0;
        for (SeqpacketClient c : clients) {
            ShmChannel ch = c == null ? null : enter(c);
            if (ch != null) {
                ch.stayAwake();
                c.gate().exit();
                clients[count++] = c;
            }
        }
        Arrays.fill(clients, count, CAPACITY, null);
        awake = count;
    }

    /** Whether a ring of one of them may hold a record, from the memory alone (no system call). */
    boolean anyMessage() {
        for (int i = 0; i < awake; i++) {
            SeqpacketClient c = clients[i];
            ShmChannel ch = enter(c);
            if (ch != null) {
                try {
                    if (ch.mayHaveMessage()) {
                        return true;
                    }
                } finally {
                    c.gate().exit();
                }
            }
        }
        return false;
    }

    /**
     * Announces to each client that the listener sleeps again, so that its next record rings its socket, and adds
     * those whose rings hold records to the scheduler's batch being filled; {@code true} if there were any.
     */
    boolean sleep(FairScheduler scheduler) {
        boolean found = false;
        for (int i = 0; i < awake; i++) {
            SeqpacketClient c = clients[i];
            ShmChannel ch = enter(c);
            if (ch != null) {
                if (ch.prepareToSleep() || ch.mayHaveMessage()) {
                    scheduler.add(c);
                    found = true;
                }
                c.gate().exit();
            }
        }
        awake = 0;
        return found;
    }

    /** The client's channel with its gate entered (the caller exits it), or null if it closed. */
    private static ShmChannel enter(SeqpacketClient c) {
        if (!c.gate().tryEnter()) {
            return null;
        }
        ShmChannel ch = c.receivingChannel();
        if (ch == null) {
            c.gate().exit();
        }
        return ch;
    }
}
