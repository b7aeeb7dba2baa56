package dev.gips.linux;

import dev.gips.ipc.Endpoint;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM for {@link ConnectTest}: {@code NAME COUNT} starts COUNT virtual threads that connect to NAME, whose
 * queue of pending connections the test keeps full, then checks that another virtual thread still runs (the test
 * gives this JVM a single carrier), then interrupts the connectors and checks how each ended. It prints one line,
 * {@code ok connectors=N other=ran waiting=N interrupted=N status-kept=N}, and exits 0; or prints what went wrong
 * and exits 1.
 */
public final class ConnectWaiters {
    private ConnectWaiters() {}

    public static void main(String[] args) throws Exception {
        String name = args[0];
        int count = Integer.parseInt(args[1]);
        CountDownLatch started = new CountDownLatch(count);
        ConcurrentLinkedQueue<String> outcomes = new ConcurrentLinkedQueue<>();
        List<Thread> connectors = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            connectors.add(Thread.ofVirtual().name("connector-" + i).start(() -> {
                started.countDown();
                try (Endpoint e = Endpoint.connect(name)) {
                    outcomes.add("connected to a full queue");
                } catch (InterruptedIOException e) {
                    outcomes.add(Thread.currentThread().isInterrupted() ? "interrupted, status kept"
                            : "interrupted, status lost");
                } catch (IOException | RuntimeException e) {
                    outcomes.add("failed: " + e);
                }
            }));
        }
        // a connector that held the only carrier while it waits would keep the others from ever starting
        if (!started.await(20, TimeUnit.SECONDS)) {
            fail("only " + (count - started.getCount()) + " of " + count + " connectors started within 20 s:"
                    + " a virtual thread waiting in connect holds its carrier");
        }
        CountDownLatch ran = new CountDownLatch(1);
        Thread.ofVirtual().name("other").start(ran::countDown);
        if (!ran.await(20, TimeUnit.SECONDS)) {
            fail("another virtual thread did not run within 20 s while " + count + " wait in connect");
        }
        int waiting = 0;
        for (Thread t : connectors) {
            waiting += t.isAlive() ? 1 : 0;
        }
        if (waiting != count || !outcomes.isEmpty()) {
            fail("connectors ended before they were interrupted: " + outcomes);
        }
        for (Thread t : connectors) {
            t.interrupt();
        }
        for (Thread t : connectors) {
            if (!t.join(java.time.Duration.ofSeconds(20))) {
                fail(t.getName() + " still in connect 20 s after it was interrupted");
            }
        }
        long kept = outcomes.stream().filter(o -> o.equals("interrupted, status kept")).count();
        if (kept != count) {
            fail("outcomes: " + outcomes);
        }
        System.out.println("ok connectors=" + count + " other=ran waiting=" + waiting + " interrupted=" + count
                + " status-kept=" + kept);
        System.out.flush();
    }

    private static void fail(String why) {
        System.out.println(why);
        System.out.flush();
        System.exit(1);
    }
}
