package dev.gips.internal.jfr;

import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Recording;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@link Jfr}'s flags in step with the running recordings. Loaded only when the {@code jdk.jfr} module is
 * present; registering the listener does not start or initialise Flight Recorder.
 */
final class RecordingWatch implements FlightRecorderListener {
    private static final Logger LOG = LoggerFactory.getLogger(RecordingWatch.class);

    private RecordingWatch() {}

    /** Installs the watch if this JVM can record; otherwise every flag of {@link Jfr} stays false. */
    static void install() {
        try {
            if (FlightRecorder.isAvailable()) {
                // calls recorderInitialized at once if a recording (say -XX:StartFlightRecording) already runs
                FlightRecorder.addListener(new RecordingWatch());
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("gips records no JFR events: {}", e.toString());
        }
    }

    @Override
    public void recorderInitialized(FlightRecorder recorder) {
        refresh();
    }

    @Override
    public void recordingStateChanged(Recording recording) {
        refresh();
    }

    private static void refresh() {
        Jfr.connect = enabled(ConnectEvent.class);
        Jfr.clientConnected = enabled(ClientConnectedEvent.class);
        Jfr.clientRefused = enabled(ClientRefusedEvent.class);
        Jfr.clientDropped = enabled(ClientDroppedEvent.class);
        Jfr.descriptorsExhausted = enabled(DescriptorsExhaustedEvent.class);
        Jfr.sent = enabled(MessageSentEvent.class);
        Jfr.received = enabled(MessageReceivedEvent.class);
        Jfr.poll = enabled(PollWaitEvent.class);
    }

    /** Whether a running recording enables {@code type} (EventType.isEnabled is false while none runs). */
    private static boolean enabled(Class<? extends Event> type) {
        return EventType.getEventType(type).isEnabled();
    }
}
