package dev.gips.poll;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/** The events of one {@link Poller#poll}, reused from poll to poll. Not thread-safe. */
public final class Events implements Iterable<Event> {
    private final int capacity;
    private final List<Event> events;

    private Events(int capacity) {
        this.capacity = capacity;
        this.events = new ArrayList<>(Math.min(capacity, 1024));
    }

    /**
     * Room for at most {@code capacity} events per poll.
     *
     * @throws IllegalArgumentException if {@code capacity < 1}
     */
    public static Events withCapacity(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        return new Events(capacity);
    }

    /** The number of events. */
    public int size() {
        return events.size();
    }

    /** Whether there are no events. */
    public boolean isEmpty() {
        return events.isEmpty();
    }

    /** Removes every event. */
    public void clear() {
        events.clear();
    }

    /** The most events one poll may store. */
    public int capacity() {
        return capacity;
    }

    /** Adds an event; for pollers. Returns {@code false} when full. */
    boolean add(Event e) {
        if (events.size() >= capacity) {
            return false;
        }
        events.add(e);
        return true;
    }

    /**
     * The events of the last {@link Poller#poll}, in the order the OS reported them. The iterator is read-only
     * ({@code remove} throws {@link UnsupportedOperationException}); finish with it before the next {@code poll} or
     * {@link #clear()}, which empty this object: an iterator still in use then throws
     * {@link java.util.ConcurrentModificationException}.
     */
    @Override
    public Iterator<Event> iterator() {
        return Collections.unmodifiableList(events).iterator();
    }

    @Override
    public String toString() {
        return events.toString();
    }
}
