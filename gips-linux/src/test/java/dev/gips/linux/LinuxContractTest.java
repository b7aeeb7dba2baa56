package dev.gips.linux;

import dev.gips.tck.BadInputContract;
import dev.gips.tck.BoundedWaitContract;
import dev.gips.tck.ChildJvmContract;
import dev.gips.tck.ConcurrentAcceptContract;
import dev.gips.tck.ConnectContract;
import dev.gips.tck.HandleContract;
import dev.gips.tck.HandleLeakContract;
import dev.gips.tck.JfrRecordingContract;
import dev.gips.tck.Kit;
import dev.gips.tck.LifecycleContract;
import dev.gips.tck.MessageSemanticsContract;
import dev.gips.tck.PeerGoneContract;
import dev.gips.tck.PollLoopLoadContract;
import dev.gips.tck.PollerContract;
import dev.gips.tck.RefusalContract;
import dev.gips.tck.RustIpcCasesContract;
import dev.gips.tck.ShmContract;
import dev.gips.tck.ShmLifetimeContract;
import dev.gips.tck.ShmOverIpcContract;
import dev.gips.tck.ShmProcessContract;
import dev.gips.tck.TryReplyContract;
import dev.gips.tck.VirtualThreadBlockingContract;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Every suite of the contract kit (gips-tck) on the Linux backend, with {@link LinuxHook} for what differs. */
class LinuxContractTest {
    @Test
    void runsEverySuiteOfTheKit() {
        Kit.assertRunsEverySuite(LinuxContractTest.class);
    }

    @Nested class BadInput extends BadInputContract {}
    @Nested class BoundedWait extends BoundedWaitContract {}
    @Nested class ChildJvm extends ChildJvmContract {}
    @Nested class ConcurrentAccept extends ConcurrentAcceptContract {}
    @Nested class Connect extends ConnectContract {}
    @Nested class Handle extends HandleContract {}
    @Nested class HandleLeak extends HandleLeakContract {}
    @Nested class JfrRecording extends JfrRecordingContract {}
    @Nested class Lifecycle extends LifecycleContract {}
    @Nested class MessageSemantics extends MessageSemanticsContract {}
    @Nested class PeerGone extends PeerGoneContract {}
    @Nested class PollLoopLoad extends PollLoopLoadContract {}
    @Nested class Poller extends PollerContract {}
    @Nested class Refusal extends RefusalContract {}
    @Nested class RustIpcCases extends RustIpcCasesContract {}
    @Nested class Shm extends ShmContract {}
    @Nested class ShmLifetime extends ShmLifetimeContract {}
    @Nested class ShmOverIpc extends ShmOverIpcContract {}
    @Nested class ShmProcess extends ShmProcessContract {}
    @Nested class TryReply extends TryReplyContract {}
    @Nested class VirtualThreadBlocking extends VirtualThreadBlockingContract {}
}
