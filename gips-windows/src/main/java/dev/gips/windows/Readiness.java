package dev.gips.windows;

import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The pollers watching one channel. A state change posts the registration's token to each poller's completion
 * port; the poller then asks the channel what it is ready for, so a lost or extra post changes nothing.
 */
final class Readiness {
    private record Registration(IocpPoller poller, long token) {}

    private final CopyOnWriteArrayList<Registration> registrations = new CopyOnWriteArrayList<>();

    void add(IocpPoller poller, long token) {
        registrations.removeIf(r -> r.poller == poller);
        registrations.add(new Registration(poller, token));
    }

    boolean remove(IocpPoller poller) {
        return registrations.removeIf(r -> r.poller == poller);
    }

    boolean isRegisteredWith(IocpPoller poller) {
        return registrations.stream().anyMatch(r -> r.poller == poller);
    }

    /** Tells every poller to look at the channel again. Never blocks. */
    void signal() {
        for (Registration r : registrations) {
            r.poller.post(r.token);
        }
    }
}
